import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { LtiaasResponseEvent } from '@app/ltiaas';
import { METRICS_REGISTRY } from '@app/observability';

export type JobName = 'grade-sync' | 'roster-refresh';
export type JobOutcome = 'succeeded' | 'failed' | 'interrupted' | 'skipped';

/**
 * Grading's job and LTIAAS series, on the app's registry. Delivery keeps its
 * own (DeliveryMetrics: results by platform, score POST latency) and the
 * ledger its backlog gauges (LedgerMetrics); this adds what the jobs do and
 * the latency of every other LTIAAS call, by endpoint.
 */
@Injectable()
export class GradingMetrics {
  private readonly ltiaasDuration: Histogram<'endpoint' | 'method' | 'status'>;
  private readonly jobRuns: Counter<'job' | 'outcome'>;
  private readonly jobDuration: Histogram<'job'>;
  private readonly jobLastSuccess: Gauge<'job'>;
  private readonly rosterMembers: Counter<'outcome'>;
  private readonly rosterContexts: Counter<'outcome'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    const registers = [registry];
    this.ltiaasDuration = new Histogram({
      name: 'grading_ltiaas_request_duration_seconds',
      help: 'LTIAAS request latency by endpoint, method and status (0: no answer)',
      labelNames: ['endpoint', 'method', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.jobRuns = new Counter({ name: 'grading_job_runs_total', help: 'Job runs by outcome (skipped: another run was still going)', labelNames: ['job', 'outcome'], registers });
    this.jobDuration = new Histogram({ name: 'grading_job_duration_seconds', help: 'Job run duration', labelNames: ['job'], buckets: [1, 5, 15, 60, 300, 900, 1800, 3600, 7200], registers });
    this.jobLastSuccess = new Gauge({ name: 'grading_job_last_success_timestamp_seconds', help: 'When this process last finished a job run successfully', labelNames: ['job'], registers });
    this.rosterMembers = new Counter({ name: 'grading_roster_members_total', help: 'Roster members written (seen) and marked inactive (deactivated)', labelNames: ['outcome'], registers });
    this.rosterContexts = new Counter({ name: 'grading_roster_contexts_total', help: 'Roster refreshes of one context by outcome', labelNames: ['outcome'], registers });
  }

  /** Usable as LtiaasClient's `onResponse`. */
  readonly ltiaasResponse = (event: LtiaasResponseEvent): void => {
    this.ltiaasCall(event.path, event.method, event.status, event.durationMs);
  };

  ltiaasCall(path: string, method: string, status: number | undefined, durationMs: number): void {
    this.ltiaasDuration.observe({ endpoint: endpointOf(path), method, status: String(status ?? 0) }, durationMs / 1000);
  }

  jobRun(job: JobName, outcome: JobOutcome, durationSeconds?: number): void {
    this.jobRuns.inc({ job, outcome });
    if (durationSeconds !== undefined) this.jobDuration.observe({ job }, durationSeconds);
    if (outcome === 'succeeded') this.jobLastSuccess.set({ job }, Date.now() / 1000);
  }

  rosterContext(outcome: 'refreshed' | 'skipped' | 'failed', seen: number, deactivated: number): void {
    this.rosterContexts.inc({ outcome });
    if (seen) this.rosterMembers.inc({ outcome: 'seen' }, seen);
    if (deactivated) this.rosterMembers.inc({ outcome: 'deactivated' }, deactivated);
  }
}

/** A low-cardinality name for an LTIAAS path: ids never become label values. */
export function endpointOf(path: string): string {
  const bare = path.split('?')[0];
  if (/^\/api\/lineitems\/[^/]+\/scores$/.test(bare)) return 'scores';
  if (/^\/api\/lineitems(\/[^/]+)?$/.test(bare)) return 'lineitems';
  if (bare.startsWith('/api/memberships')) return 'memberships';
  if (bare.startsWith('/api/idtoken')) return 'idtoken';
  return 'other';
}
