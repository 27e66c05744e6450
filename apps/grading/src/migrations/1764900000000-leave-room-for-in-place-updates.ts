import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A delivered score's row is updated three or four times (claimed, renewed,
 * recorded), and a send turn twice per post. Pages with free room let
 * PostgreSQL update a row in place when no indexed column changes (a HOT
 * update), writing no index entry at all. The claim and the renewal then
 * change only unindexed columns: the lease owner's index goes, as the
 * renewal finds its rows by id. New pages keep the room; VACUUM FULL or
 * pg_repack gives it to old ones. The score events' identity index goes
 * too: the claim names a value's event by the row's event id, and nothing
 * else looked events up by identity, yet every accepted event paid for it.
 */
export class LeaveRoomForInPlaceUpdates1764900000000 implements MigrationInterface {
  name = 'LeaveRoomForInPlaceUpdates1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE grading.scores SET (fillfactor = 70)`);
    await q.query(`ALTER TABLE grading.line_item_sends SET (fillfactor = 50)`);
    await q.query(`DROP INDEX IF EXISTS grading.scores_lease_owner`);
    await q.query(`DROP INDEX IF EXISTS grading.score_events_identity`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX IF NOT EXISTS score_events_identity ON grading.score_events (platform_id, context_id, resource_link_id, user_id)`);
    await q.query(`CREATE INDEX IF NOT EXISTS scores_lease_owner ON grading.scores (lease_owner) WHERE lease_owner IS NOT NULL`);
    await q.query(`ALTER TABLE grading.line_item_sends RESET (fillfactor)`);
    await q.query(`ALTER TABLE grading.scores RESET (fillfactor)`);
  }
}
