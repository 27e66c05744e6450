import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The JWKS publishes a key only when its sealed private half opens under a
 * master key and matches the public half, so a public key written straight
 * into the table is never trusted. A retired key therefore keeps its sealed
 * private half while it is still published; it is erased once publish_until
 * has passed. (A key retired before this migration has none and leaves the
 * JWKS: tokens it signed are refused and their clients exchange their keys again.)
 */
export class SigningKeysKeepPrivateHalfWhilePublished1764950200000 implements MigrationInterface {
  name = 'SigningKeysKeepPrivateHalfWhilePublished1764950200000';

  async up(q: QueryRunner): Promise<void> {
    await this.dropRetiredCheck(q);
    await q.query(`ALTER TABLE vault.signing_keys ADD CONSTRAINT signing_keys_live_has_private_key CHECK (retired_at IS NOT NULL OR private_key IS NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE vault.signing_keys DROP CONSTRAINT signing_keys_live_has_private_key`);
    await q.query(`UPDATE vault.signing_keys SET private_key = NULL WHERE retired_at IS NOT NULL`);
    await q.query(`ALTER TABLE vault.signing_keys ADD CHECK ((retired_at IS NULL) = (private_key IS NOT NULL))`);
  }

  /** The original CHECK was unnamed; found by its definition. */
  private async dropRetiredCheck(q: QueryRunner): Promise<void> {
    const rows = (await q.query(
      `SELECT conname FROM pg_constraint
        WHERE conrelid = 'vault.signing_keys'::regclass AND contype = 'c'
          AND pg_get_constraintdef(oid) LIKE '%retired_at IS NULL%=%private_key IS NOT NULL%'`,
    )) as Array<{ conname: string }>;
    for (const { conname } of rows) await q.query(`ALTER TABLE vault.signing_keys DROP CONSTRAINT "${conname}"`);
  }
}
