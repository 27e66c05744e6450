import { Controller, Get, Inject, Module, type DynamicModule, type Provider } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TerminusModule, TypeOrmHealthIndicator, type HealthIndicatorResult } from '@nestjs/terminus';
import { consumerHealth, KafkaProbe } from '@app/messaging';

export const HEALTH_OPTIONS = Symbol('HEALTH_OPTIONS');

export interface HealthOptions {
  database: boolean;
  kafka: boolean;
}

/**
 * /health/live: the process alone, so a broker outage never restarts healthy
 * pods; only a consumer that crashed for good fails it.
 * /health/ready: the database and Kafka, each answered within a short timeout.
 */
@ApiTags('health')
@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(HEALTH_OPTIONS) private readonly options: HealthOptions,
    @Inject(TypeOrmHealthIndicator) private readonly db: TypeOrmHealthIndicator,
    @Inject(KafkaProbe) private readonly kafka: KafkaProbe | null,
  ) {}

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([() => this.consumers()]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    const checks = [];
    if (this.options.database) checks.push(() => this.db.pingCheck('database', { timeout: 1500 }));
    if (this.options.kafka) checks.push(() => this.kafkaCheck());
    return this.health.check(checks);
  }

  private consumers(): HealthIndicatorResult {
    const indicator = this.indicators.check('consumers');
    const crashed = consumerHealth.all().filter((c) => c.crashed);
    if (crashed.length) return indicator.down({ crashed: crashed.map((c) => ({ groupId: c.groupId, reason: c.reason })) });
    return indicator.up({ groups: consumerHealth.all().map((c) => c.groupId) });
  }

  private async kafkaCheck(): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check('kafka');
    try {
      await this.kafka!.check(2000);
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: (error as Error).message });
    }
  }
}

@Module({})
export class HealthModule {
  static forApp(options: HealthOptions, extra: { controllers?: DynamicModule['controllers']; providers?: Provider[] } = {}): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ errorLogStyle: 'json', logger: false })],
      controllers: [HealthController, ...(extra.controllers ?? [])],
      providers: [{ provide: HEALTH_OPTIONS, useValue: options }, ...(options.kafka ? [] : [{ provide: KafkaProbe, useValue: null }]), ...(extra.providers ?? [])],
      exports: [TerminusModule],
    };
  }
}
