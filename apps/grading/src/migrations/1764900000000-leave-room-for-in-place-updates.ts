import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A delivered score's row is updated two to four times (claimed, renewed,
 * recorded), and a send turn twice per post. Pages with free room let
 * PostgreSQL update a row in place when no indexed column changes (a HOT
 * update), writing no index entry at all. The claim and the renewal then
 * change only unindexed columns: the lease owner's index goes, as the
 * renewal finds its rows by id. A claim takes rows written together, so it
 * updates most rows of a page at once: with 30 % of a page free, fewer than
 * half of a claim's updates stayed in place; with half free, nearly all do.
 * The price is a ledger table about twice the size on disk. New pages keep the room; VACUUM FULL or
 * pg_repack gives it to old ones. The score events' identity index goes
 * too: the claim names a value's event by the row's event id, and nothing
 * else looked events up by identity, yet every accepted event paid for it.
 */
export class LeaveRoomForInPlaceUpdates1764900000000 implements MigrationInterface {
  name = 'LeaveRoomForInPlaceUpdates1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE grading.scores SET (fillfactor = 50)`);
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
