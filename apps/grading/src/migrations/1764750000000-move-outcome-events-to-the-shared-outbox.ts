import type { MigrationInterface, QueryRunner } from 'typeorm';
import { outboxTableSql } from '@app/messaging';

/**
 * Outcome events (ScoreDelivered / ScoreFailed) move from grading's own
 * outcome_outbox to grading.outbox, the table the messaging library's outbox
 * drains (topic, key and the value exactly as it is sent). Events still
 * waiting are carried over in their order, so none is lost or reordered by
 * the upgrade.
 */
export class MoveOutcomeEventsToTheSharedOutbox1764750000000 implements MigrationInterface {
  name = 'MoveOutcomeEventsToTheSharedOutbox1764750000000';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of outboxTableSql('grading').up) await q.query(sql);
    await q.query(`
      INSERT INTO grading.outbox (topic, key, value, created_at)
      SELECT 'grading.score-delivered.v1', key, event::text, created_at FROM grading.outcome_outbox ORDER BY id`);
    await q.query(`DROP TABLE grading.outcome_outbox`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE grading.outcome_outbox (
        id bigserial PRIMARY KEY,
        key text NOT NULL,
        event jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // grading writes no other topic to its outbox.
    await q.query(`
      INSERT INTO grading.outcome_outbox (key, event, created_at)
      SELECT key, value::jsonb, created_at FROM grading.outbox WHERE topic = 'grading.score-delivered.v1' ORDER BY id`);
    for (const sql of outboxTableSql('grading').down) await q.query(sql);
  }
}
