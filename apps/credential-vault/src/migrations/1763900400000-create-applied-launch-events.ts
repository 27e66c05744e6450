import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The id of every LaunchCaptured the vault has applied, so that a record
 * replayed onto the topic (a copy of a real, signed event) is refused as a
 * replay instead of being applied again.
 */
export class CreateAppliedLaunchEvents1763900400000 implements MigrationInterface {
  name = 'CreateAppliedLaunchEvents1763900400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "vault"."applied_launch_events" (
        "event_id" text PRIMARY KEY,
        "applied_at" timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "vault"."applied_launch_events"`);
  }
}
