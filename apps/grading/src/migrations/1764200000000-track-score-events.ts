import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What `GET /v1/scores/events/{id}` needs beside the ledger:
 * - score_events: who submitted the event (the API key's handle, HTTP only)
 *   and its correlation id, so outcome events can name both;
 * - dead_letters: the event id of a dead-lettered record (when it could be
 *   read), and the record's bytes exactly as they were on Kafka. `raw text`
 *   could not hold a NUL or invalid UTF-8, which is what jammed the
 *   dead-letter consumer; new rows keep the bytes in `raw_bytes`.
 */
export class TrackScoreEvents1764200000000 implements MigrationInterface {
  name = 'TrackScoreEvents1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE grading.score_events ADD COLUMN submitted_by text, ADD COLUMN correlation_id text`);
    await q.query(`ALTER TABLE grading.dead_letters ADD COLUMN event_id text, ADD COLUMN raw_bytes bytea`);
    await q.query(`CREATE INDEX dead_letters_event ON grading.dead_letters (event_id, id) WHERE event_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX grading.dead_letters_event`);
    await q.query(`ALTER TABLE grading.dead_letters DROP COLUMN raw_bytes, DROP COLUMN event_id`);
    await q.query(`ALTER TABLE grading.score_events DROP COLUMN correlation_id, DROP COLUMN submitted_by`);
  }
}
