import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * - api_keys.hash_key_id: the master key whose derived key peppered key_hash
 *   (HMAC-SHA-256 over the key's SHA-256). NULL marks a hash stored before
 *   keyed hashing, a plain SHA-256: the vault refuses such a row until
 *   `npm run rewrap` peppers it, so a row written straight into the table
 *   never authenticates.
 * - api_keys.key_digest: the key's SHA-256, envelope-encrypted, so `npm run
 *   rewrap` can re-pepper under a new master key without the key itself.
 * - api_keys.platforms: the platform ids a key is limited to; NULL is unrestricted.
 */
export class KeyedApiKeyHashesAndPlatforms1764950000000 implements MigrationInterface {
  name = 'KeyedApiKeyHashesAndPlatforms1764950000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE vault.api_keys ADD COLUMN hash_key_id text, ADD COLUMN key_digest jsonb`);
    await q.query(`ALTER TABLE vault.api_keys ADD CONSTRAINT api_keys_peppered_with_digest CHECK ((hash_key_id IS NULL) = (key_digest IS NULL))`);
    await q.query(`ALTER TABLE vault.api_keys ADD COLUMN platforms text[] CHECK (platforms IS NULL OR cardinality(platforms) > 0)`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Peppered hashes cannot be turned back into plain ones: those keys would no longer authenticate.
    await q.query(`UPDATE vault.api_keys SET revoked_at = now() WHERE hash_key_id IS NOT NULL AND revoked_at IS NULL`);
    await q.query(`ALTER TABLE vault.api_keys DROP COLUMN platforms, DROP COLUMN key_digest, DROP COLUMN hash_key_id`);
  }
}
