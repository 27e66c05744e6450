import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { SyncStatusService, type Check } from './sync-status.service';

/**
 * GET /health/sync, in @nestjs/terminus format: 200 while every check is
 * within its threshold, 503 naming the ones that are not. Not a Kubernetes
 * probe (a backlog must not restart pods): for alerting and operators.
 */
@ApiTags('health')
@Controller('health')
export class SyncHealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly status: SyncStatusService,
  ) {}

  @Get('sync')
  @HealthCheck()
  @ApiOperation({ summary: 'Grade sync and roster refresh age, delivery backlog, dead letters, stale credentials' })
  async sync() {
    let status;
    try {
      status = await this.status.status();
    } catch (error) {
      return this.health.check([() => this.indicators.check('database').down({ reason: `sync status unavailable: ${(error as Error).message}` })]);
    }
    return this.health.check(Object.entries(status).map(([name, check]) => () => this.indicate(name, check)));
  }

  private indicate(name: string, check: Check): HealthIndicatorResult {
    const { ok, ...details } = check;
    const indicator = this.indicators.check(name);
    return ok ? indicator.up(details) : indicator.down(details);
  }
}
