import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The score ledger and everything delivery needs around it:
 * - scores: one row per (context triple, line item selector, user), the latest value and its delivery state;
 * - score_events: every ScoreReady seen, by event id (dedupe and history);
 * - score_attempts: every delivery attempt;
 * - contexts: what launches told us about each activity (AGS line item, NRPS, last launch);
 * - line_items: resolved line item ids per selector;
 * - dead_letters: failed deliveries and dead-lettered ingest records;
 * - outcome_outbox: ScoreDelivered/ScoreFailed events waiting to be published;
 * - platform_budgets: per-platform request budget shared by every replica.
 */
export class CreateScoreLedger1763900000000 implements MigrationInterface {
  name = 'CreateScoreLedger1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE grading.scores (
        id bigserial PRIMARY KEY,
        platform_id text NOT NULL,
        context_id text NOT NULL,
        resource_link_id text NOT NULL,
        line_item_key text NOT NULL,
        user_id text NOT NULL,
        line_item jsonb,
        score_given double precision,
        score_maximum double precision,
        activity_progress text NOT NULL,
        grading_progress text NOT NULL,
        comment text,
        "timestamp" text NOT NULL,
        timestamp_ns numeric(30, 0) NOT NULL,
        event_id text NOT NULL,
        version bigint NOT NULL DEFAULT 1,
        status text NOT NULL DEFAULT 'pending'
          CHECK (status IN ('pending', 'delivered', 'superseded', 'waiting_for_launch', 'failed')),
        due_at timestamptz NOT NULL DEFAULT now(),
        lease_owner uuid,
        lease_until timestamptz,
        sending_version bigint,
        attempts integer NOT NULL DEFAULT 0,
        first_attempt_at timestamptz,
        last_attempt_at timestamptz,
        last_status_code integer,
        last_error text,
        line_item_id text,
        delivered_version bigint,
        delivered_timestamp text,
        delivered_at timestamptz,
        received_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT scores_identity UNIQUE (platform_id, context_id, resource_link_id, line_item_key, user_id)
      )`);
    await q.query(`CREATE INDEX scores_due ON grading.scores (platform_id, due_at) WHERE status = 'pending'`);
    await q.query(`CREATE INDEX scores_waiting ON grading.scores (platform_id, context_id, resource_link_id) WHERE status = 'waiting_for_launch'`);
    await q.query(`CREATE INDEX scores_user ON grading.scores (user_id)`);

    await q.query(`
      CREATE TABLE grading.score_events (
        event_id text PRIMARY KEY,
        platform_id text NOT NULL,
        context_id text NOT NULL,
        resource_link_id text NOT NULL,
        line_item_key text NOT NULL,
        user_id text NOT NULL,
        "timestamp" text NOT NULL,
        timestamp_ns numeric(30, 0) NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('applied', 'stale')),
        source text,
        data jsonb NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX score_events_identity ON grading.score_events (platform_id, context_id, resource_link_id, user_id)`);

    await q.query(`
      CREATE TABLE grading.score_attempts (
        id bigserial PRIMARY KEY,
        score_id bigint NOT NULL REFERENCES grading.scores (id) ON DELETE CASCADE,
        version bigint NOT NULL,
        "timestamp" text NOT NULL,
        attempted_at timestamptz NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('delivered', 'superseded', 'retry', 'waiting_for_launch', 'failed')),
        status_code integer,
        message text,
        line_item_id text
      )`);
    await q.query(`CREATE INDEX score_attempts_score ON grading.score_attempts (score_id, id)`);

    await q.query(`
      CREATE TABLE grading.contexts (
        platform_id text NOT NULL,
        context_id text NOT NULL,
        resource_link_id text NOT NULL,
        ags_available boolean NOT NULL DEFAULT false,
        ags_line_item_id text,
        nrps_available boolean NOT NULL DEFAULT false,
        last_launch_at timestamptz,
        last_launch_event_id text,
        credential_stale_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (platform_id, context_id, resource_link_id)
      )`);

    await q.query(`
      CREATE TABLE grading.line_items (
        platform_id text NOT NULL,
        context_id text NOT NULL,
        resource_link_id text NOT NULL,
        line_item_key text NOT NULL,
        line_item_id text NOT NULL,
        created_by_grading boolean NOT NULL DEFAULT false,
        resolved_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (platform_id, context_id, resource_link_id, line_item_key)
      )`);

    await q.query(`
      CREATE TABLE grading.dead_letters (
        id bigserial PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('delivery', 'ingest')),
        score_id bigint REFERENCES grading.scores (id) ON DELETE SET NULL,
        version bigint,
        platform_id text,
        context_id text,
        resource_link_id text,
        user_id text,
        line_item_id text,
        payload jsonb,
        raw text,
        reason text NOT NULL,
        status_code integer,
        source_topic text,
        source_partition integer,
        source_offset bigint,
        created_at timestamptz NOT NULL DEFAULT now(),
        retried_at timestamptz,
        CONSTRAINT dead_letters_source UNIQUE (source_topic, source_partition, source_offset)
      )`);
    await q.query(`CREATE INDEX dead_letters_open ON grading.dead_letters (id) WHERE retried_at IS NULL`);

    await q.query(`
      CREATE TABLE grading.outcome_outbox (
        id bigserial PRIMARY KEY,
        key text NOT NULL,
        event jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE grading.platform_budgets (
        platform_id text PRIMARY KEY,
        tokens double precision NOT NULL,
        rate double precision NOT NULL,
        burst double precision NOT NULL,
        refilled_at timestamptz NOT NULL,
        last_granted double precision NOT NULL DEFAULT 0,
        decreased_at timestamptz,
        increased_at timestamptz
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['platform_budgets', 'outcome_outbox', 'dead_letters', 'line_items', 'contexts', 'score_attempts', 'score_events', 'scores']) {
      await q.query(`DROP TABLE IF EXISTS grading.${table}`);
    }
  }
}
