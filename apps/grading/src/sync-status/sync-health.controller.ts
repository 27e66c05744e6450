import { Controller, Get, Inject, Logger } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { FailureLog, ProbeStateLog } from '@app/health';
import { METRICS_REGISTRY } from '@app/observability';
import type { Registry } from 'prom-client';
import { SyncStatusService, type Check } from './sync-status.service';

/**
 * GET /health/sync, in @nestjs/terminus format: 200 while every check is
 * within its threshold, 503 naming the ones that are not. Not a Kubernetes
 * probe (a backlog must not restart pods): for alerting and operators. When
 * the status cannot be read, the answer names the database and the log says why.
 */
@ApiTags('health')
@Controller('health')
export class SyncHealthController {
  private readonly log: ProbeStateLog;
  private readonly failures = new FailureLog(new Logger('sync-health'));

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly status: SyncStatusService,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.log = new ProbeStateLog(registry);
  }

  @Get('sync')
  @HealthCheck()
  @ApiOperation({ summary: 'Grade sync and roster refresh age, delivery backlog, dead letters, stale credentials' })
  sync() {
    return this.log.watch('sync', () => this.check());
  }

  private async check() {
    let status;
    try {
      status = await this.status.status();
      this.failures.recovered('database');
    } catch (error) {
      this.failures.failed('database', error);
      return this.health.check([() => this.indicators.check('database').down({ reason: 'sync status unavailable' })]);
    }
    return this.health.check(Object.entries(status).map(([name, check]) => () => this.indicate(name, check)));
  }

  private indicate(name: string, check: Check): HealthIndicatorResult {
    const { ok, ...details } = check;
    const indicator = this.indicators.check(name);
    return ok ? indicator.up(details) : indicator.down(details);
  }
}
