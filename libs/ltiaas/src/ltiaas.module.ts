import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { LtiaasAuth } from './auth/ltiaas-auth';
import { ltiaasOptionsFromEnv, type LtiaasClientOptions } from './client/ltiaas-client.options';
import { LtiaasClient } from './client/ltiaas.client';

export const LTIAAS_OPTIONS = Symbol('LTIAAS_OPTIONS');

/** Provides LtiaasClient (pool drained on shutdown) and LtiaasAuth for one LTIAAS account. */
@Module({})
export class LtiaasModule implements OnApplicationShutdown {
  constructor(@Inject(LtiaasClient) private readonly client: LtiaasClient) {}

  static forRoot(options: LtiaasClientOptions | (() => LtiaasClientOptions) = ltiaasOptionsFromEnv): DynamicModule {
    return {
      module: LtiaasModule,
      providers: [
        { provide: LTIAAS_OPTIONS, useFactory: typeof options === 'function' ? options : () => options },
        { provide: LtiaasClient, useFactory: (opts: LtiaasClientOptions) => new LtiaasClient(opts), inject: [LTIAAS_OPTIONS] },
        {
          provide: LtiaasAuth,
          useFactory: (opts: LtiaasClientOptions) => new LtiaasAuth(opts.apiKey, { clock: opts.clock, ltikSafetyMarginMs: opts.ltikSafetyMarginMs }),
          inject: [LTIAAS_OPTIONS],
        },
      ],
      exports: [LtiaasClient, LtiaasAuth],
    };
  }

  onApplicationShutdown(): Promise<void> {
    return this.client.close();
  }
}
