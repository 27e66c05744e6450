import { Global, Module, type DynamicModule } from '@nestjs/common';
import { LtiaasClient, LtiaasModule } from '@app/ltiaas';
import { createLogger } from '@app/observability';
import type { LaunchConfig } from '../launch.config';
import { ID_TOKEN_SOURCE, LtiaasIdTokenSource } from './id-token.source';

/** One LTIAAS client for the app, behind the IdTokenSource port. */
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
      providers: [{ provide: ID_TOKEN_SOURCE, inject: [LtiaasClient], useFactory: (client: LtiaasClient) => new LtiaasIdTokenSource(client) }],
      exports: [ID_TOKEN_SOURCE],
    };
  }
}
