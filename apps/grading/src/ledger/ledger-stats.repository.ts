import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface BacklogStats {
  /** Rows whose latest value is waiting to be delivered (due now or backing off). */
  pending: number;
  /** Seconds since the oldest pending value arrived; 0 when nothing is pending. */
  oldestPendingAgeSeconds: number;
  /** Deliveries in flight right now, across replicas. */
  inFlight: number;
  /** Rows waiting for a relaunch of their context (stale or missing serviceKey). */
  waitingForLaunch: number;
  /** Rows whose latest value failed for good. */
  failed: number;
  /** Dead letters not yet retried (failed deliveries and dead-lettered ingest records). */
  deadLetters: number;
}

/** The ledger's counters, for /metrics and /health/sync. */
@Injectable()
export class LedgerStatsRepository {
  constructor(private readonly db: DataSource) {}

  async backlog(): Promise<BacklogStats> {
    const [row]: Array<Record<string, string | null>> = await this.db.query(
      `SELECT
         count(*) FILTER (WHERE status = 'pending') AS pending,
         COALESCE(EXTRACT(EPOCH FROM now() - min(received_at) FILTER (WHERE status = 'pending')), 0) AS oldest,
         count(*) FILTER (WHERE lease_until > now()) AS in_flight,
         count(*) FILTER (WHERE status = 'waiting_for_launch') AS waiting,
         count(*) FILTER (WHERE status = 'failed') AS failed,
         (SELECT count(*) FROM grading.dead_letters WHERE retried_at IS NULL) AS dead_letters
       FROM grading.scores`,
    );
    return {
      pending: Number(row.pending),
      oldestPendingAgeSeconds: Math.max(0, Math.round(Number(row.oldest))),
      inFlight: Number(row.in_flight),
      waitingForLaunch: Number(row.waiting),
      failed: Number(row.failed),
      deadLetters: Number(row.dead_letters),
    };
  }

  /** Activities (platform, context, resource link) with at least one row waiting for a launch. */
  async activitiesWaitingForLaunch(): Promise<number> {
    const [row]: Array<{ contexts: string }> = await this.db.query(
      `SELECT count(*) AS contexts FROM (
         SELECT DISTINCT platform_id, context_id, resource_link_id FROM grading.scores WHERE status = 'waiting_for_launch'
       ) waiting`,
    );
    return Number(row.contexts);
  }
}
