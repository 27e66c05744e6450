import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ResendScope } from './ledger-maintenance.repository';

/** The undelivered rows a re-offer set out to deliver: ids and the version each had then. */
export interface Watched {
  ids: string[];
  versions: string[];
  /** Database time of the snapshot: a delivery counts for the run only after it. */
  since: Date;
}

export interface Tally {
  delivered: number;
  /** LTIAAS already held a newer value: nothing left to send. */
  superseded: number;
  failed: number;
  waitingForLaunch: number;
  /** Backing off after a failed try; will be tried again. */
  retrying: number;
  /** Due now or in flight: the run is not settled while any is. */
  unsettled: number;
}

/**
 * Which rows a re-offer covers and how they have ended since, for the grade
 * sync to watch delivery work through them. Reads only; the re-offer itself
 * is LedgerService's.
 */
@Injectable()
export class ReofferProgressRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Taken before the rows are re-offered. Without a scope: every row whose
   * latest value is not delivered (pending or failed). With one (a forced
   * resend): every row of the scope but those waiting for a launch, at the
   * version the resend moves it to, so that a delivery already in flight
   * does not count for the run.
   */
  async snapshot(scope?: ResendScope): Promise<Watched> {
    const rows: Array<{ ids: string[] | null; versions: string[] | null; since: Date }> = await this.db.query(
      scope
        ? `SELECT array_agg(id::text) AS ids, array_agg((version + 1)::text) AS versions, now() AS since FROM grading.scores
           WHERE platform_id = $1 AND context_id = $2 AND ($3::text IS NULL OR resource_link_id = $3) AND status <> 'waiting_for_launch'`
        : `SELECT array_agg(id::text) AS ids, array_agg(version::text) AS versions, now() AS since FROM grading.scores
           WHERE status IN ('pending', 'failed')`,
      scope ? [scope.platformId, scope.contextId, scope.resourceLinkId ?? null] : [],
    );
    return { ids: rows[0].ids ?? [], versions: rows[0].versions ?? [], since: rows[0].since };
  }

  async tally(watched: Watched): Promise<Tally> {
    if (watched.ids.length === 0) return { delivered: 0, superseded: 0, failed: 0, waitingForLaunch: 0, retrying: 0, unsettled: 0 };
    const [row]: Array<Record<keyof Tally, string>> = await this.db.query(
      `WITH w AS (SELECT * FROM unnest($1::bigint[], $2::bigint[]) AS w(id, version)),
       s AS (
         SELECT s.status, s.due_at, s.lease_until,
                COALESCE(s.delivered_at >= $3 AND s.delivered_version >= w.version, false) AS delivered
         FROM w JOIN grading.scores s ON s.id = w.id
       )
       SELECT
         count(*) FILTER (WHERE delivered) AS delivered,
         count(*) FILTER (WHERE NOT delivered AND status = 'superseded') AS superseded,
         count(*) FILTER (WHERE NOT delivered AND status = 'failed') AS failed,
         count(*) FILTER (WHERE NOT delivered AND status = 'waiting_for_launch') AS "waitingForLaunch",
         count(*) FILTER (WHERE NOT delivered AND status = 'pending' AND due_at > now() AND (lease_until IS NULL OR lease_until < now())) AS retrying,
         count(*) FILTER (WHERE NOT delivered AND status = 'pending' AND (due_at <= now() OR lease_until >= now())) AS unsettled
       FROM s`,
      [watched.ids, watched.versions, watched.since],
    );
    return {
      delivered: Number(row.delivered),
      superseded: Number(row.superseded),
      failed: Number(row.failed),
      waitingForLaunch: Number(row.waitingForLaunch),
      retrying: Number(row.retrying),
      unsettled: Number(row.unsettled),
    };
  }
}
