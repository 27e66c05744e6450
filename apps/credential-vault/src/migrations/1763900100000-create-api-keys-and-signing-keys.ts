import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * - api_keys: one row per key ever issued; only the SHA-256 of the secret is
 *   kept. Revoking stamps revoked_at, so a handle can be issued again while
 *   the history stays.
 * - signing_keys: the ES256 key pairs that sign access tokens. At most one
 *   pending (published, not yet used) and one active key, enforced by unique
 *   indexes so two replicas rotating at once cannot both win. The private key
 *   is envelope-encrypted and erased when the key retires; the public key
 *   stays published until publish_until, after the last token it signed expired.
 */
export class CreateApiKeysAndSigningKeys1763900100000 implements MigrationInterface {
  name = 'CreateApiKeysAndSigningKeys1763900100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE vault.api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        handle text NOT NULL CHECK (handle ~ '^[a-z0-9-]{3,64}$'),
        alias text,
        scopes text[] NOT NULL CHECK (cardinality(scopes) > 0),
        key_hash bytea NOT NULL CHECK (octet_length(key_hash) = 32),
        key_prefix text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX api_keys_key_hash ON vault.api_keys (key_hash)`);
    await q.query(`CREATE UNIQUE INDEX api_keys_active_handle ON vault.api_keys (handle) WHERE revoked_at IS NULL`);

    await q.query(`
      CREATE TABLE vault.signing_keys (
        kid text PRIMARY KEY,
        alg text NOT NULL,
        public_jwk jsonb NOT NULL,
        private_key jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        activated_at timestamptz,
        retired_at timestamptz,
        publish_until timestamptz,
        CHECK (retired_at IS NULL OR activated_at IS NOT NULL),
        CHECK ((retired_at IS NULL) = (private_key IS NOT NULL))
      )`);
    await q.query(`CREATE UNIQUE INDEX signing_keys_one_pending ON vault.signing_keys ((true)) WHERE activated_at IS NULL`);
    await q.query(`CREATE UNIQUE INDEX signing_keys_one_active ON vault.signing_keys ((true)) WHERE activated_at IS NOT NULL AND retired_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE vault.signing_keys`);
    await q.query(`DROP TABLE vault.api_keys`);
  }
}
