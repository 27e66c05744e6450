import type { DataSource } from 'typeorm';
import { rowsOf } from '@app/database';
import { AuditLog } from '../audit/audit.log';
import { ApiKeyPepper } from '../crypto/api-key-pepper';
import type { EnvelopeCipher } from '../crypto/envelope-cipher';
import type { RewrapBatch, RewrapTarget } from '../crypto/rewrap-target';
import { SecretIntegrityError, UnknownMasterKeyError, type SealedSecret } from '../crypto/sealed-secret';
import { apiKeyDigestAad } from './api-key.digest';

/**
 * API key hashes for `npm run rewrap`: a key peppered under an older master
 * key is re-peppered under the active one from its sealed digest (the vault
 * also does it when the key is next used), and a key stored before keyed
 * hashing (a plain SHA-256, refused by the vault) is peppered for the first
 * time. The latter is the one step that trusts what the table holds: run it
 * right after upgrading; each such key is named in the audit log.
 */
export class ApiKeyRewrapTarget implements RewrapTarget {
  readonly name = 'API key hashes';
  private readonly audit: AuditLog;

  constructor(
    private readonly dataSource: DataSource,
    private readonly pepper: ApiKeyPepper,
  ) {
    this.audit = new AuditLog(dataSource);
  }

  async countPending(activeKeyId: string): Promise<number> {
    const rows: Array<{ n: string }> = await this.dataSource.query(
      `SELECT count(*) AS n FROM "vault"."api_keys" WHERE "revoked_at" IS NULL AND ("hash_key_id" IS NULL OR "hash_key_id" <> $1 OR "key_digest"->>'keyId' <> $1)`,
      [activeKeyId],
    );
    return Number(rows[0].n);
  }

  rewrapBatch(cipher: EnvelopeCipher, limit: number, after: string | undefined, actor: string): Promise<RewrapBatch> {
    return this.dataSource.transaction(async (manager) => {
      const rows: Array<{ id: string; handle: string; key_hash: Buffer; hash_key_id: string | null; key_digest: SealedSecret | null }> = await manager.query(
        `SELECT "id", "handle", "key_hash", "hash_key_id", "key_digest" FROM "vault"."api_keys"
          WHERE "revoked_at" IS NULL AND ("hash_key_id" IS NULL OR "hash_key_id" <> $1 OR "key_digest"->>'keyId' <> $1)
            AND ($2::uuid IS NULL OR "id" > $2)
          ORDER BY "id"
          LIMIT $3
          FOR UPDATE SKIP LOCKED`,
        [cipher.activeKeyId, after ?? null, limit],
      );
      const batch: RewrapBatch = { rewrapped: 0, failed: [] };
      for (const row of rows) {
        let digest: Buffer;
        try {
          digest = row.key_digest ? Buffer.from(await cipher.decrypt(row.key_digest, apiKeyDigestAad(row.id)), 'base64url') : row.key_hash;
        } catch (error) {
          if (error instanceof SecretIntegrityError || error instanceof UnknownMasterKeyError) {
            batch.failed.push({ id: `${row.handle} (${row.id})`, reason: error.message });
            continue;
          }
          throw error;
        }
        if (digest.length !== 32) {
          batch.failed.push({ id: `${row.handle} (${row.id})`, reason: 'the stored digest is not 32 bytes' });
          continue;
        }
        const sealed = await cipher.encrypt(digest.toString('base64url'), apiKeyDigestAad(row.id));
        const updated = rowsOf(
          await manager.query(
            `UPDATE "vault"."api_keys" SET "key_hash" = $2, "hash_key_id" = $3, "key_digest" = $4
              WHERE "id" = $1 AND "key_hash" = $5 AND "hash_key_id" IS NOT DISTINCT FROM $6 RETURNING 1`,
            [row.id, this.pepper.pepper(digest), this.pepper.activeKeyId, JSON.stringify(sealed), row.key_hash, row.hash_key_id],
          ),
        );
        if (updated.length === 0) continue;
        batch.rewrapped++;
        await this.audit.record(
          {
            actor,
            action: row.hash_key_id ? 'api-key.repepper' : 'api-key.pepper-legacy-hash',
            subjectType: 'api-key',
            subjectId: row.handle,
            detail: { fromMasterKeyId: row.hash_key_id, toMasterKeyId: this.pepper.activeKeyId },
          },
          manager,
        );
      }
      const last = rows[rows.length - 1];
      if (rows.length === limit && last) batch.next = last.id;
      return batch;
    });
  }
}
