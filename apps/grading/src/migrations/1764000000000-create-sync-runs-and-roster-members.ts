import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the scheduled jobs keep:
 * - sync_runs: one row per run of a job (grade sync, roster refresh), its
 *   counts and outcome; a scheduled run carries its cron slot, unique per job,
 *   so replicas that fire together run a slot once;
 * - sync_run_contexts: per roster-refresh run, each context done (the
 *   checkpoint an interrupted run resumes from);
 * - roster_members: the last known roster of every context with NRPS.
 */
export class CreateSyncRunsAndRosterMembers1764000000000 implements MigrationInterface {
  name = 'CreateSyncRunsAndRosterMembers1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE grading.sync_runs (
        id bigserial PRIMARY KEY,
        job text NOT NULL CHECK (job IN ('grade-sync', 'roster-refresh')),
        trigger text NOT NULL CHECK (trigger IN ('schedule', 'admin')),
        slot timestamptz,
        scope jsonb NOT NULL DEFAULT '{}'::jsonb,
        status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted')),
        resumed_from bigint REFERENCES grading.sync_runs (id) ON DELETE SET NULL,
        owner text NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        heartbeat_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        rows_offered integer NOT NULL DEFAULT 0,
        rows_delivered integer NOT NULL DEFAULT 0,
        rows_failed integer NOT NULL DEFAULT 0,
        rows_pending integer NOT NULL DEFAULT 0,
        contexts_total integer NOT NULL DEFAULT 0,
        contexts_done integer NOT NULL DEFAULT 0,
        contexts_skipped integer NOT NULL DEFAULT 0,
        contexts_failed integer NOT NULL DEFAULT 0,
        members_seen integer NOT NULL DEFAULT 0,
        members_deactivated integer NOT NULL DEFAULT 0,
        details jsonb NOT NULL DEFAULT '{}'::jsonb,
        error text
      )`);
    await q.query(`CREATE UNIQUE INDEX sync_runs_slot ON grading.sync_runs (job, slot) WHERE slot IS NOT NULL`);
    await q.query(`CREATE INDEX sync_runs_job_started ON grading.sync_runs (job, started_at DESC)`);
    await q.query(`CREATE INDEX sync_runs_running ON grading.sync_runs (job) WHERE status = 'running'`);

    await q.query(`
      CREATE TABLE grading.sync_run_contexts (
        run_id bigint NOT NULL REFERENCES grading.sync_runs (id) ON DELETE CASCADE,
        platform_id text NOT NULL,
        context_id text NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('refreshed', 'skipped', 'failed')),
        members integer NOT NULL DEFAULT 0,
        active integer NOT NULL DEFAULT 0,
        deactivated integer NOT NULL DEFAULT 0,
        pages integer NOT NULL DEFAULT 0,
        reason text,
        carried_over boolean NOT NULL DEFAULT false,
        finished_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (run_id, platform_id, context_id)
      )`);

    await q.query(`
      CREATE TABLE grading.roster_members (
        platform_id text NOT NULL,
        context_id text NOT NULL,
        user_id text NOT NULL,
        roles text[] NOT NULL,
        status text NOT NULL CHECK (status IN ('Active', 'Inactive', 'Deleted')),
        name text,
        email text,
        last_seen_run_id bigint,
        first_seen_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        removed_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (platform_id, context_id, user_id)
      )`);
    await q.query(`CREATE INDEX roster_members_user ON grading.roster_members (platform_id, user_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS grading.roster_members`);
    await q.query(`DROP TABLE IF EXISTS grading.sync_run_contexts`);
    await q.query(`DROP TABLE IF EXISTS grading.sync_runs`);
  }
}
