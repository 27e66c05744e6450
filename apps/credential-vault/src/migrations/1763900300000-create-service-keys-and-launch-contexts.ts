import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * serviceKeys per launch context, encrypted at rest (envelope encryption:
 * the key columns hold an EnvelopeCipher SealedSecret), and the non-secret
 * facts of each context. Both keep the (launched_at, event_time, event_id)
 * of the launch they reflect, so an older event never overwrites a newer one.
 */
export class CreateServiceKeysAndLaunchContexts1763900300000 implements MigrationInterface {
  name = 'CreateServiceKeysAndLaunchContexts1763900300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "vault"."service_keys" (
        "platform_id" text NOT NULL,
        "context_id" text NOT NULL,
        "resource_link_id" text NOT NULL,
        "secret_format" smallint NOT NULL,
        "master_key_id" text NOT NULL,
        "wrapped_data_key" text NOT NULL,
        "ciphertext" text NOT NULL,
        "captured_at" timestamptz NOT NULL,
        "event_time" timestamptz NOT NULL,
        "event_id" text NOT NULL,
        "stale_at" timestamptz,
        "stale_reason" text,
        "version" integer NOT NULL DEFAULT 1,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY ("platform_id", "context_id", "resource_link_id")
      )`);
    await queryRunner.query(`CREATE INDEX "service_keys_master_key_id" ON "vault"."service_keys" ("master_key_id")`);
    await queryRunner.query(`
      CREATE TABLE "vault"."launch_contexts" (
        "platform_id" text NOT NULL,
        "context_id" text NOT NULL,
        "resource_link_id" text NOT NULL,
        "platform_name" text,
        "platform_url" text,
        "product_family_code" text,
        "context_title" text,
        "context_label" text,
        "resource_link_title" text,
        "ags_available" boolean NOT NULL,
        "line_item_id" text,
        "nrps_available" boolean NOT NULL,
        "first_launched_at" timestamptz NOT NULL,
        "last_launched_at" timestamptz NOT NULL,
        "last_event_time" timestamptz NOT NULL,
        "last_event_id" text NOT NULL,
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY ("platform_id", "context_id", "resource_link_id")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "vault"."launch_contexts"`);
    await queryRunner.query(`DROP TABLE "vault"."service_keys"`);
  }
}
