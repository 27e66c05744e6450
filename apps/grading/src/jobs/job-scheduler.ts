import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { GRADING_CONFIG } from '../grading.database';
import type { GradingConfig } from '../grading.config';
import { RosterRefreshJob } from '../rosters/roster-refresh.job';
import { GradeSyncJob } from './grade-sync.job';
import type { Job } from './job';
import { JobRunner } from './job-runner';

/**
 * The cron side of the jobs (UTC): every replica schedules them, the job's
 * lock and its slot record make sure one replica runs each slot.
 */
@Injectable()
export class JobScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(JobScheduler.name);
  private readonly names: string[] = [];

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly runner: JobRunner,
    private readonly gradeSync: GradeSyncJob,
    private readonly rosterRefresh: RosterRefreshJob,
    @Inject(GRADING_CONFIG) private readonly config: GradingConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.JOBS_ENABLED) {
      this.logger.log('scheduled jobs are off on this replica (JOBS_ENABLED=false)');
      return;
    }
    this.schedule(this.gradeSync, this.config.GRADE_SYNC_CRON, {});
    this.schedule(this.rosterRefresh, this.config.ROSTER_REFRESH_CRON, {});
  }

  onModuleDestroy(): void {
    for (const name of this.names) {
      const job = this.registry.getCronJob(name);
      void job.stop();
      this.registry.deleteCronJob(name);
    }
    this.names.length = 0;
  }

  private schedule<P>(job: Job<P>, expression: string, params: P): void {
    const cron = CronJob.from({
      cronTime: expression,
      timeZone: 'UTC',
      start: false,
      onTick: async () => {
        const slot = cronSlot(expression, Date.now());
        try {
          const outcome = await this.runner.start(job, params, { trigger: 'schedule', slot });
          if (outcome.started) await outcome.done.catch(() => undefined);
          else if (outcome.reason === 'already-ran') this.logger.debug({ job: job.name, slot }, 'slot already run by another replica');
        } catch (error) {
          this.logger.error({ job: job.name, slot, err: error }, 'could not start a scheduled run');
        }
      },
    });
    const name = `grading:${job.name}`;
    this.registry.addCronJob(name, cron);
    this.names.push(name);
    cron.start();
    this.logger.log({ job: job.name, cron: expression, next: cron.nextDate().toISO() }, 'job scheduled (UTC)');
  }
}

/**
 * The scheduled instant a tick belongs to: cron fires at or just after it,
 * never before, so every replica rounds down to the same slot (to the minute,
 * or to the second for a six-field expression).
 */
export function cronSlot(expression: string, firedAtMs: number): Date {
  const precisionMs = expression.trim().split(/\s+/).length >= 6 ? 1_000 : 60_000;
  return new Date(Math.floor(firedAtMs / precisionMs) * precisionMs);
}
