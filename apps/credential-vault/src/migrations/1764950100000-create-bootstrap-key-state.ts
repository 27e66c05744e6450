import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * bootstrap_key_state: at most one row, present once an admin disabled
 * BOOTSTRAP_ADMIN_API_KEY. In the database, so it holds across restarts and
 * replicas whatever the environment still says.
 */
export class CreateBootstrapKeyState1764950100000 implements MigrationInterface {
  name = 'CreateBootstrapKeyState1764950100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE vault.bootstrap_key_state (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        disabled_at timestamptz NOT NULL DEFAULT now(),
        disabled_by text NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE vault.bootstrap_key_state`);
  }
}
