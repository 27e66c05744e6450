import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When grading took in a context's newest launch (database time). Delivery
 * compares it with when grading found the context's serviceKey stale, on the
 * same clock, to tell "the vault is catching up with a relaunch" from "wait
 * for the next launch".
 */
export class AddLaunchSeenAtToContexts1764100000000 implements MigrationInterface {
  name = 'AddLaunchSeenAtToContexts1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE grading.contexts ADD COLUMN launch_seen_at timestamptz`);
    await q.query(`UPDATE grading.contexts SET launch_seen_at = updated_at WHERE last_launch_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE grading.contexts DROP COLUMN launch_seen_at`);
  }
}
