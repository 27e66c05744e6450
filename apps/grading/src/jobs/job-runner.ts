import { hostname } from 'node:os';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { GRADING_CONFIG } from '../grading.database';
import type { GradingConfig } from '../grading.config';
import { GradingMetrics } from '../metrics/grading-metrics';
import type { Job, JobResult } from './job';
import { JobLock } from './job-lock';
import { RunLogger } from './run-logger';
import type { JobName, RunScope, RunTrigger, SyncRun } from './sync-run';
import { SyncRunsRepository } from './sync-runs.repository';

export type StartOutcome =
  | { started: true; run: SyncRun; done: Promise<SyncRun> }
  /** Another run of the job holds the lock (here or on another replica). */
  | { started: false; reason: 'busy'; running?: SyncRun }
  /** A scheduled slot another replica already ran. */
  | { started: false; reason: 'already-ran' }
  | { started: false; reason: 'stopping' };

export interface StartOptions {
  trigger: RunTrigger;
  /** A scheduled run's cron slot: a slot runs once across replicas. */
  slot?: Date;
}

const HEARTBEAT_MS = 10_000;

interface Active {
  run: SyncRun;
  controller: AbortController;
  done: Promise<SyncRun>;
}

/**
 * Runs jobs one at a time across replicas and records every run. Under the
 * job's advisory lock it first closes runs left `running` by a dead process
 * (they become `interrupted`), offers the latest interrupted run to the new
 * one as a checkpoint, then runs the job with a heartbeat that also checks
 * the lock's connection. On shutdown it stops the jobs taking new work and
 * waits for them, within SHUTDOWN_TIMEOUT_MS.
 */
@Injectable()
export class JobRunner implements OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger(JobRunner.name);
  private readonly active = new Map<JobName, Active>();
  private readonly owner = `${hostname()}:${process.pid}`;
  private stopping = false;

  constructor(
    private readonly db: DataSource,
    private readonly runs: SyncRunsRepository,
    private readonly metrics: GradingMetrics,
    @Inject(GRADING_CONFIG) private readonly config: GradingConfig,
  ) {}

  async start<P>(job: Job<P>, params: P, options: StartOptions): Promise<StartOutcome> {
    if (this.stopping) return { started: false, reason: 'stopping' };
    const mine = this.active.get(job.name);
    if (mine) return this.busy(job.name, options, mine.run);

    const lock = await JobLock.tryAcquire(this.db, job.name);
    if (!lock) return this.busy(job.name, options, await this.runs.running(job.name));
    try {
      const abandoned = await this.runs.markAbandonedInterrupted(job.name);
      for (const run of abandoned) this.logger.warn({ job: job.name, runId: run.id, startedAt: run.startedAt }, 'found a run whose process stopped; marked interrupted');

      const scope = job.scopeOf(params);
      const previous = await this.runs.resumable(job.name, new Date(Date.now() - this.config.JOB_RESUME_WINDOW_MS));
      const resumedFrom = previous && sameScope(previous.scope, scope) ? previous : undefined;
      const run = await this.runs.insert({ job: job.name, trigger: options.trigger, slot: options.slot, scope, owner: this.owner, resumedFrom: resumedFrom?.id });
      if (!run) {
        await lock.release();
        return { started: false, reason: 'already-ran' };
      }
      const controller = new AbortController();
      const done = this.execute(job, params, run, resumedFrom, lock, controller);
      this.active.set(job.name, { run, controller, done });
      done.catch(() => undefined).finally(() => this.active.delete(job.name));
      return { started: true, run, done };
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  /** Runs of this process still going. */
  current(): SyncRun[] {
    return [...this.active.values()].map((a) => a.run);
  }

  /** Stop taking new work: no new runs; running ones finish what they hold. */
  onModuleDestroy(): void {
    this.stopping = true;
    for (const { controller } of this.active.values()) controller.abort(new Error('the process is shutting down'));
  }

  /** Waits for running jobs to record themselves, within the shutdown budget. */
  async beforeApplicationShutdown(): Promise<void> {
    const pending = [...this.active.values()].map((a) => a.done.catch(() => undefined));
    if (pending.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), this.config.SHUTDOWN_TIMEOUT_MS)));
    const outcome = await Promise.race([Promise.all(pending), timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') this.logger.warn({ runs: this.current().map((r) => r.id) }, 'jobs still running at the shutdown deadline; the next start marks them interrupted');
  }

  private async busy(job: JobName, options: StartOptions, running: SyncRun | undefined): Promise<StartOutcome> {
    this.metrics.jobRun(job, 'skipped');
    this.logger.log({ job, trigger: options.trigger, slot: options.slot?.toISOString(), runningRunId: running?.id }, 'job not started: a run is still going');
    return { started: false, reason: 'busy', running };
  }

  private async execute<P>(job: Job<P>, params: P, run: SyncRun, resumedFrom: SyncRun | undefined, lock: JobLock, controller: AbortController): Promise<SyncRun> {
    const log = new RunLogger(this.logger, { job: job.name, runId: run.id, trigger: run.trigger });
    const started = Date.now();
    log.log('job run started', { slot: run.slot, scope: run.scope, resumedFrom: resumedFrom?.id });
    const heartbeat = setInterval(() => {
      lock
        .ping()
        .then(() => this.runs.progress(run.id, {}))
        .catch((error: unknown) => {
          log.error('lost the job lock connection; stopping the run', error);
          controller.abort(new Error(`lost the job lock: ${(error as Error).message}`));
        });
    }, HEARTBEAT_MS);
    heartbeat.unref();

    let result: JobResult | undefined;
    let thrown: unknown;
    try {
      result = await job.execute({
        run,
        params,
        resumedFrom,
        signal: controller.signal,
        log,
        progress: (counts, details) => this.runs.progress(run.id, counts, details),
      });
    } catch (error) {
      thrown = error;
    } finally {
      clearInterval(heartbeat);
    }

    const stopped = controller.signal.aborted && !(result?.complete ?? false);
    const status = thrown !== undefined ? (controller.signal.aborted ? 'interrupted' : 'failed') : result?.failure ? 'failed' : stopped ? 'interrupted' : 'succeeded';
    const reason = thrown !== undefined ? messageOf(thrown) : (result?.failure ?? (stopped ? messageOf(controller.signal.reason) : undefined));
    try {
      const finished = await this.runs.finish(run.id, status, result?.counts ?? {}, result?.details ?? {}, reason);
      const seconds = (Date.now() - started) / 1000;
      this.metrics.jobRun(job.name, status, seconds);
      const fields = { status, durationSeconds: seconds, ...compact(finished), error: reason };
      if (status === 'succeeded') log.log('job run finished', fields);
      else if (status === 'interrupted') log.warn('job run interrupted; the next run resumes it', fields);
      else log.error('job run failed', thrown ?? new Error(reason), fields);
      return finished;
    } catch (error) {
      // Could not record the end (database gone): the row stays `running` and the next start marks it interrupted.
      log.error('could not record the end of the run', error);
      throw error;
    } finally {
      await lock.release();
    }
  }
}

function sameScope(a: RunScope, b: RunScope): boolean {
  const canonical = (s: RunScope) => JSON.stringify(Object.entries(s).filter(([, v]) => v !== undefined).sort(([x], [y]) => (x < y ? -1 : 1)));
  return canonical(a) === canonical(b);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function compact(run: SyncRun): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const key of ['rowsOffered', 'rowsDelivered', 'rowsFailed', 'rowsPending', 'contextsTotal', 'contextsDone', 'contextsSkipped', 'contextsFailed', 'membersSeen', 'membersDeactivated'] as const) {
    if (run[key]) fields[key] = run[key];
  }
  return fields;
}
