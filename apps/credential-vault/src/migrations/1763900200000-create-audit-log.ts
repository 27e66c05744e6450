import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Who did what to which secret, when. Never the secret itself. */
export class CreateAuditLog1763900200000 implements MigrationInterface {
  name = 'CreateAuditLog1763900200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "vault"."audit_log" (
        "id" bigserial PRIMARY KEY,
        "at" timestamptz NOT NULL DEFAULT clock_timestamp(),
        "actor" text NOT NULL,
        "action" text NOT NULL,
        "subject_type" text NOT NULL,
        "subject_id" text NOT NULL,
        "detail" jsonb NOT NULL DEFAULT '{}'::jsonb,
        "correlation_id" text
      )`);
    await queryRunner.query(`CREATE INDEX "audit_log_subject" ON "vault"."audit_log" ("subject_type", "subject_id", "at")`);
    await queryRunner.query(`CREATE INDEX "audit_log_at" ON "vault"."audit_log" ("at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "vault"."audit_log"`);
  }
}
