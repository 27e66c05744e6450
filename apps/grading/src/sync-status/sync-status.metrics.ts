import { Inject, Injectable, Logger } from '@nestjs/common';
import { Gauge, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@app/observability';
import type { GradingConfig } from '../grading.config';
import { GRADING_CONFIG } from '../grading.database';
import type { JobName } from '../jobs/sync-run';
import { SyncRunsRepository } from '../jobs/sync-runs.repository';
import { jobCheck, PROCESS_STARTED_AT } from './sync-status.service';

const JOBS: JobName[] = ['grade-sync', 'roster-refresh'];

/**
 * How long ago each job last succeeded anywhere in the cluster, read from
 * grading.sync_runs at scrape time (at most every few seconds) with the same
 * rule as /health/sync. Unlike the per-process last-success timestamp, it
 * survives restarts and does not depend on which replica ran the job; every
 * replica reports the same value, so alerts take max(). The label is
 * `job_name`, not `job`: Prometheus keeps `job` for the scrape job.
 */
@Injectable()
export class SyncStatusMetrics {
  private readonly logger = new Logger(SyncStatusMetrics.name);
  private cached?: { at: number; ages: Promise<Record<JobName, number>> };

  constructor(
    private readonly runs: SyncRunsRepository,
    @Inject(METRICS_REGISTRY) registry: Registry,
    @Inject(GRADING_CONFIG) private readonly config: GradingConfig,
  ) {
    const self = this;
    new Gauge({
      name: 'grading_job_success_age_seconds',
      help: 'Seconds since the job last succeeded on any replica (never: since its first try or this process started)',
      labelNames: ['job_name'],
      registers: [registry],
      collect: async function (this: Gauge<'job_name'>) {
        const ages = await self.ages();
        if (ages) for (const job of JOBS) this.set({ job_name: job }, ages[job]);
      },
    });
  }

  private async ages(): Promise<Record<JobName, number> | undefined> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at > this.config.METRICS_LEDGER_CACHE_MS) this.cached = { at: now, ages: this.read(now) };
    try {
      return await this.cached.ages;
    } catch (error) {
      this.cached = undefined;
      this.logger.warn({ err: error }, 'could not read job metrics');
      return undefined;
    }
  }

  private async read(now: number): Promise<Record<JobName, number>> {
    const [gradeSync, rosterRefresh] = await Promise.all(JOBS.map((job) => this.runs.lastSuccess(job)));
    // The age does not depend on the threshold; 0 only fills jobCheck's argument.
    return {
      'grade-sync': jobCheck(gradeSync, 0, now, PROCESS_STARTED_AT).ageSeconds as number,
      'roster-refresh': jobCheck(rosterRefresh, 0, now, PROCESS_STARTED_AT).ageSeconds as number,
    };
  }
}
