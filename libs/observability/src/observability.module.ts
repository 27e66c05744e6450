import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { httpLoggerParams } from './logger';
import { MetricsModule } from './metrics';

/** Structured, redacting logs and a Prometheus registry for one app. */
@Module({})
export class ObservabilityModule {
  static forApp(app: string, level = process.env.LOG_LEVEL ?? 'info'): DynamicModule {
    return {
      module: ObservabilityModule,
      imports: [LoggerModule.forRoot(httpLoggerParams({ app, level })), MetricsModule.forApp(app)],
      exports: [MetricsModule],
    };
  }
}
