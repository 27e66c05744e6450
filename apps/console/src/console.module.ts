import { Global, Module, type DynamicModule } from '@nestjs/common';
import { HealthModule } from '@app/health';
import { ObservabilityModule } from '@app/observability';
import { CONSOLE_CONFIG, type ConsoleConfig } from './console.config';
import { ProxyModule } from './proxy/proxy.module';

@Global()
@Module({})
export class ConsoleModule {
  static forRoot(config: ConsoleConfig): DynamicModule {
    return {
      module: ConsoleModule,
      imports: [
        ObservabilityModule.forApp('console', config.LOG_LEVEL),
        // No database, no Kafka: the console is ready when it serves. It does not probe the vault or
        // grading, so their outage shows on the page instead of taking the console out of service.
        HealthModule.forApp({ database: false, kafka: false }),
        ProxyModule,
      ],
      providers: [{ provide: CONSOLE_CONFIG, useValue: config }],
      exports: [CONSOLE_CONFIG],
    };
  }
}
