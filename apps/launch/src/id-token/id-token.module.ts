import { Global, Module, type DynamicModule } from '@nestjs/common';
import { LtiaasClient, LtiaasModule } from '@app/ltiaas';
import { createLogger } from '@app/observability';
import { AdmissionMetrics } from '../admission/admission.metrics';
import type { LaunchConfig } from '../launch.config';
import { BoundedIdTokenSource } from './bounded-id-token.source';
import { ID_TOKEN_SOURCE, LtiaasIdTokenSource } from './id-token.source';

/** One LTIAAS client for the app, behind the IdTokenSource port, with at most LAUNCH_LTIAAS_MAX_IN_FLIGHT calls in flight. */
@Global()
@Module({})
export class IdTokenModule {
  static forRoot(config: LaunchConfig): DynamicModule {
    return {
      module: IdTokenModule,
      imports: [
        LtiaasModule.forRoot(() => ({
          baseUrl: config.LTIAAS_URL,
          apiKey: config.LTIAAS_API_KEY,
          logger: createLogger({ app: 'launch', level: config.LOG_LEVEL }),
        })),
      ],
      providers: [
        {
          provide: ID_TOKEN_SOURCE,
          inject: [LtiaasClient, AdmissionMetrics],
          useFactory: (client: LtiaasClient, metrics: AdmissionMetrics) => new BoundedIdTokenSource(new LtiaasIdTokenSource(client), config.LAUNCH_LTIAAS_MAX_IN_FLIGHT, metrics),
        },
      ],
      exports: [ID_TOKEN_SOURCE],
    };
  }
}
