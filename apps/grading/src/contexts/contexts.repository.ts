import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { contextKey, type ContextTriple } from '@app/contracts';
import { LedgerMaintenanceRepository } from '../ledger/ledger-maintenance.repository';

/** What one launch told grading about an activity; no credential, only availability. */
export interface LaunchFacts extends ContextTriple {
  eventId: string;
  launchedAt: string;
  agsAvailable: boolean;
  agsLineItemId: string | null;
  nrpsAvailable: boolean;
}

export interface ContextState extends ContextTriple {
  agsAvailable: boolean;
  agsLineItemId: string | null;
  nrpsAvailable: boolean;
  /** `launchedAt` of the newest launch seen: the vault's `capturedAt` of the key that launch brought. */
  lastLaunchAt: Date | null;
  /** When grading took in that launch, and when grading found the key stale (both database time). */
  launchSeenAt: Date | null;
  credentialStaleAt: Date | null;
  /** The database's clock when this state was read, to compare with the two above. */
  readAt: Date;
}

interface ContextRow {
  platform_id: string;
  context_id: string;
  resource_link_id: string;
  ags_available: boolean;
  ags_line_item_id: string | null;
  nrps_available: boolean;
  last_launch_at: Date | null;
  launch_seen_at: Date | null;
  credential_stale_at: Date | null;
  read_at: Date;
}

/**
 * Launch facts per activity. A context row is also the lock that orders a
 * relaunch against a delivery parking its rows to wait for one: both take
 * it, so a launch can never slip between "credential is stale" and "rows wait".
 */
@Injectable()
export class ContextsRepository {
  constructor(
    private readonly db: DataSource,
    private readonly ledger: LedgerMaintenanceRepository,
  ) {}

  /**
   * Records launches (a late, older one never overwrites a newer one's facts)
   * and wakes the rows of those contexts that were waiting for a launch.
   * Answers how many rows woke.
   */
  async recordLaunches(launches: LaunchFacts[]): Promise<number> {
    const newest = new Map<string, LaunchFacts>();
    for (const l of launches) {
      const seen = newest.get(contextKey(l));
      if (!seen || Date.parse(l.launchedAt) >= Date.parse(seen.launchedAt)) newest.set(contextKey(l), l);
    }
    const list = [...newest.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, l]) => l);
    return this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO grading.contexts AS c
           (platform_id, context_id, resource_link_id, ags_available, ags_line_item_id, nrps_available, last_launch_at, last_launch_event_id, launch_seen_at, updated_at)
         SELECT v.p, v.c, v.r, v.ags, v.li, v.nrps, v.at, v.ev, now(), now()
         FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[], $5::text[], $6::boolean[], $7::timestamptz[], $8::text[]) WITH ORDINALITY
           AS v(p, c, r, ags, li, nrps, at, ev, n)
         ORDER BY v.n
         ON CONFLICT (platform_id, context_id, resource_link_id) DO UPDATE SET
           ags_available = EXCLUDED.ags_available,
           ags_line_item_id = EXCLUDED.ags_line_item_id,
           nrps_available = EXCLUDED.nrps_available,
           last_launch_at = EXCLUDED.last_launch_at,
           last_launch_event_id = EXCLUDED.last_launch_event_id,
           launch_seen_at = now(),
           updated_at = now()
         WHERE c.last_launch_at IS NULL OR EXCLUDED.last_launch_at >= c.last_launch_at`,
        [
          list.map((l) => l.platformId),
          list.map((l) => l.contextId),
          list.map((l) => l.resourceLinkId),
          list.map((l) => l.agsAvailable),
          list.map((l) => l.agsLineItemId),
          list.map((l) => l.nrpsAvailable),
          list.map((l) => l.launchedAt),
          list.map((l) => l.eventId),
        ],
      );
      // Only a launch with AGS or NRPS carries a serviceKey worth waking for.
      const keyed = list.filter((l) => l.agsAvailable || l.nrpsAvailable);
      if (keyed.length === 0) return 0;
      return this.ledger.releaseWaiting(tx, keyed);
    });
  }

  async find(triple: ContextTriple): Promise<ContextState | undefined> {
    const rows: ContextRow[] = await this.db.query(
      `SELECT *, now() AS read_at FROM grading.contexts WHERE platform_id = $1 AND context_id = $2 AND resource_link_id = $3`,
      [triple.platformId, triple.contextId, triple.resourceLinkId],
    );
    return rows[0] ? toState(rows[0]) : undefined;
  }

  /** Locks the context rows (creating missing ones) inside a transaction, in a fixed order; answers their state. */
  async lock(tx: EntityManager, triples: ContextTriple[]): Promise<Map<string, ContextState>> {
    const unique = [...new Map(triples.map((t) => [contextKey(t), t])).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, t]) => t);
    const params = [unique.map((t) => t.platformId), unique.map((t) => t.contextId), unique.map((t) => t.resourceLinkId)];
    await tx.query(
      `INSERT INTO grading.contexts (platform_id, context_id, resource_link_id)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING`,
      params,
    );
    const rows: ContextRow[] = await tx.query(
      `SELECT c.*, now() AS read_at FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS t(p, c, r, n)
       JOIN grading.contexts c ON c.platform_id = t.p AND c.context_id = t.c AND c.resource_link_id = t.r
       ORDER BY t.n FOR UPDATE OF c`,
      params,
    );
    return new Map(rows.map((r) => [contextKey({ platformId: r.platform_id, contextId: r.context_id, resourceLinkId: r.resource_link_id }), toState(r)]));
  }

  async markCredentialStale(tx: EntityManager, triple: ContextTriple): Promise<void> {
    await tx.query(
      `UPDATE grading.contexts SET credential_stale_at = now(), updated_at = now()
       WHERE platform_id = $1 AND context_id = $2 AND resource_link_id = $3`,
      [triple.platformId, triple.contextId, triple.resourceLinkId],
    );
  }
}

function toState(r: ContextRow): ContextState {
  return {
    platformId: r.platform_id,
    contextId: r.context_id,
    resourceLinkId: r.resource_link_id,
    agsAvailable: r.ags_available,
    agsLineItemId: r.ags_line_item_id,
    nrpsAvailable: r.nrps_available,
    lastLaunchAt: r.last_launch_at,
    launchSeenAt: r.launch_seen_at,
    credentialStaleAt: r.credential_stale_at,
    readAt: r.read_at,
  };
}
