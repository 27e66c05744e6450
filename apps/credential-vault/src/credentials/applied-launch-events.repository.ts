import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { isoOf } from './sql';

/** The vault.applied_launch_events table: which LaunchCaptured ids were applied, and when. */
@Injectable()
export class AppliedLaunchEventsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Claims the event id for this application, in the caller's transaction.
   * Undefined when it is new; else when it was applied before (a replay).
   */
  async claim(eventId: string, manager: EntityManager = this.dataSource.manager): Promise<{ appliedAt: string } | undefined> {
    const inserted: unknown[] = await manager.query(`INSERT INTO "vault"."applied_launch_events" ("event_id") VALUES ($1) ON CONFLICT ("event_id") DO NOTHING RETURNING 1`, [eventId]);
    if (inserted.length > 0) return undefined;
    const rows: Array<{ applied_at: string }> = await manager.query(`SELECT ${isoOf('"applied_at"')} AS "applied_at" FROM "vault"."applied_launch_events" WHERE "event_id" = $1`, [eventId]);
    return { appliedAt: rows[0]?.applied_at ?? 'an earlier time' };
  }
}
