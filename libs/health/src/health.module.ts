import { Controller, Get, Inject, Logger, Module, Optional, type DynamicModule, type Provider } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TerminusModule, type HealthIndicatorFunction, type HealthIndicatorResult } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { consumerHealth, KafkaProbe, KafkaRefusedError, withTimeout } from '@app/messaging';
import { METRICS_REGISTRY } from '@app/observability';
import type { Registry } from 'prom-client';
import { FailureLog } from './failure-log';
import { ProbeStateLog } from './probe-state.log';

export const HEALTH_OPTIONS = Symbol('HEALTH_OPTIONS');

export interface HealthOptions {
  database: boolean;
  kafka: boolean;
}

/**
 * /health/live: the process alone, so a broker outage never restarts healthy
 * pods; only a consumer that crashed for good fails it.
 * /health/ready: the database and Kafka, each answered within a short timeout.
 * A failing check is named in the answer, which anyone who can reach the port
 * reads; what went wrong (host names, driver messages) goes to the log only.
 */
@ApiTags('health')
@Controller('health')
class HealthController {
  private readonly log: ProbeStateLog;
  // The answers name failing checks only; why each failed goes to the log, once per change.
  private readonly failures = new FailureLog(new Logger('health'));

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(HEALTH_OPTIONS) private readonly options: HealthOptions,
    @Optional() @Inject(DataSource) private readonly dataSource: DataSource | null,
    @Inject(KafkaProbe) private readonly kafka: KafkaProbe | null,
    @Optional() @Inject(METRICS_REGISTRY) registry?: Registry,
  ) {
    this.log = new ProbeStateLog(registry);
  }

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process, and whether a Kafka consumer crashed for good' })
  @HealthCheck()
  live() {
    return this.log.watch('live', () => this.health.check([() => this.consumers()]));
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness: the database and, where the app needs it, Kafka' })
  @HealthCheck()
  ready() {
    const checks: HealthIndicatorFunction[] = [];
    if (this.options.database) checks.push(() => this.databaseCheck());
    if (this.options.kafka) checks.push(() => this.kafkaCheck());
    return this.log.watch('ready', () => this.health.check(checks));
  }

  private consumers(): HealthIndicatorResult {
    const indicator = this.indicators.check('consumers');
    const crashed = consumerHealth.all().filter((c) => c.crashed);
    // The crash and its reason were logged when it happened; the answer names the groups.
    if (crashed.length) return indicator.down({ crashed: crashed.map((c) => ({ groupId: c.groupId })) });
    return indicator.up({ groups: consumerHealth.all().map((c) => c.groupId) });
  }

  private databaseCheck(): Promise<HealthIndicatorResult> {
    return this.probe('database', () => withTimeout(this.dataSource!.query('SELECT 1'), 1500, () => new Error('no answer within 1500 ms')));
  }

  private kafkaCheck(): Promise<HealthIndicatorResult> {
    return this.probe('kafka', () => this.kafka!.check(2000));
  }

  private async probe(name: string, check: () => Promise<unknown>): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(name);
    try {
      await check();
      this.failures.recovered(name);
      return indicator.up();
    } catch (error) {
      this.failures.failed(name, error);
      // A refusal's kind (credentials, an ACL, a certificate) tells the operator what to fix and
      // gives nothing away; the broker's and the driver's words stay in the log.
      const headline = error instanceof KafkaRefusedError ? `: ${error.headline}` : '';
      return indicator.down({ message: `${name} unavailable${headline}` });
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
