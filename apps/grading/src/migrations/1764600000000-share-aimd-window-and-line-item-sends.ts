import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * - platform_budgets gains the shared AIMD window: every replica adds the ok
 *   and throttled answers it saw to the platform's row, and whichever replica
 *   finds the window over first decides the new rate once for the cluster
 *   (a replica judging only its own share cut the rate to the floor on noise).
 * - line_item_sends: one row per (platform, context, LMS line item, user),
 *   taken just before a score is posted and given back when its result is
 *   recorded. It keeps one post in flight per LMS line item and user, and
 *   refuses to post an older timestamp than the one last sent there, even
 *   when two rows (two selectors naming the same line item) lead to it.
 * - an index on the claim token: live claimers renew their leases by it.
 */
export class ShareAimdWindowAndLineItemSends1764600000000 implements MigrationInterface {
  name = 'ShareAimdWindowAndLineItemSends1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE grading.platform_budgets
        ADD COLUMN window_started_at timestamptz NOT NULL DEFAULT now(),
        ADD COLUMN window_ok integer NOT NULL DEFAULT 0,
        ADD COLUMN window_throttled integer NOT NULL DEFAULT 0,
        ADD COLUMN window_saturated boolean NOT NULL DEFAULT false,
        ADD COLUMN remaining integer,
        ADD COLUMN previous_remaining integer,
        ADD COLUMN max_remaining integer NOT NULL DEFAULT 0`);
    await q.query(`
      CREATE TABLE grading.line_item_sends (
        platform_id text NOT NULL,
        context_id text NOT NULL,
        line_item_id text NOT NULL,
        user_id text NOT NULL,
        timestamp_ns numeric(30, 0) NOT NULL,
        score_id bigint NOT NULL,
        lease_owner uuid,
        lease_until timestamptz,
        PRIMARY KEY (platform_id, context_id, line_item_id, user_id)
      )`);
    await q.query(`CREATE INDEX scores_lease_owner ON grading.scores (lease_owner) WHERE lease_owner IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS grading.scores_lease_owner`);
    await q.query(`DROP TABLE IF EXISTS grading.line_item_sends`);
    await q.query(`
      ALTER TABLE grading.platform_budgets
        DROP COLUMN window_started_at, DROP COLUMN window_ok, DROP COLUMN window_throttled, DROP COLUMN window_saturated,
        DROP COLUMN remaining, DROP COLUMN previous_remaining, DROP COLUMN max_remaining`);
  }
}
