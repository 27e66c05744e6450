import { Global, Module, type DynamicModule } from '@nestjs/common';
import { AdmissionMetrics } from './admission.metrics';
import { AddressRateLimiter } from './address-rate.limiter';
import { ADDRESS_RATE_LIMITER, LaunchRateLimitGuard } from './launch-rate-limit.guard';

/** Launch under abuse: the per-address limit (LaunchRateLimitGuard) and the metrics of both limits. */
@Global()
@Module({})
export class AdmissionModule {
  static forRoot(options: { ratePerMinute: number }): DynamicModule {
    return {
      module: AdmissionModule,
      providers: [{ provide: ADDRESS_RATE_LIMITER, useValue: new AddressRateLimiter({ limit: options.ratePerMinute, windowMs: 60_000 }) }, AdmissionMetrics, LaunchRateLimitGuard],
      exports: [ADDRESS_RATE_LIMITER, AdmissionMetrics, LaunchRateLimitGuard],
    };
  }
}
