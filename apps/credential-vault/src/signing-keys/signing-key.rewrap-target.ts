import type { DataSource } from 'typeorm';
import { rowsOf } from '@app/database';
import { AuditLog } from '../audit/audit.log';
import type { EnvelopeCipher } from '../crypto/envelope-cipher';
import { rewrapOrReason, type RewrapBatch, type RewrapTarget } from '../crypto/rewrap-target';
import type { SealedSecret } from '../crypto/sealed-secret';
import { privateKeyAad } from './signing-key.aad';

/**
 * The private halves of the token-signing keys (pending, active, and retired
 * ones still published; erased after that) for `npm run rewrap`. Without this an old master
 * key could not be retired while a key it wraps still signs tokens.
 * A row is updated only if its sealed key did not change since it was read
 * (a rotation may retire it meanwhile).
 */
export class SigningKeyRewrapTarget implements RewrapTarget {
  readonly name = 'signing keys';
  private readonly audit: AuditLog;

  constructor(private readonly dataSource: DataSource) {
    this.audit = new AuditLog(dataSource);
  }

  async countPending(activeKeyId: string): Promise<number> {
    const rows: Array<{ n: string }> = await this.dataSource.query(
      `SELECT count(*) AS n FROM "vault"."signing_keys" WHERE "private_key" IS NOT NULL AND "private_key"->>'keyId' <> $1`,
      [activeKeyId],
    );
    return Number(rows[0].n);
  }

  rewrapBatch(cipher: EnvelopeCipher, limit: number, after: string | undefined, actor: string): Promise<RewrapBatch> {
    return this.dataSource.transaction(async (manager) => {
      const rows: Array<{ kid: string; private_key: SealedSecret }> = await manager.query(
        `SELECT "kid", "private_key" FROM "vault"."signing_keys"
          WHERE "private_key" IS NOT NULL AND "private_key"->>'keyId' <> $1 AND ($2::text IS NULL OR "kid" > $2)
          ORDER BY "kid"
          LIMIT $3
          FOR UPDATE SKIP LOCKED`,
        [cipher.activeKeyId, after ?? null, limit],
      );
      const batch: RewrapBatch = { rewrapped: 0, failed: [] };
      for (const row of rows) {
        const result = await rewrapOrReason(cipher, row.private_key, privateKeyAad(row.kid));
        if ('reason' in result) {
          batch.failed.push({ id: row.kid, reason: result.reason });
          continue;
        }
        const { rewrapped } = result;
        const updated = rowsOf(await manager.query(
          `UPDATE "vault"."signing_keys" SET "private_key" = $2 WHERE "kid" = $1 AND "private_key" = $3 RETURNING 1`,
          [row.kid, JSON.stringify(rewrapped), JSON.stringify(row.private_key)],
        ));
        if (updated.length === 0) continue;
        batch.rewrapped++;
        await this.audit.record(
          { actor, action: 'signing-key.rewrap', subjectType: 'signing-key', subjectId: row.kid, detail: { fromMasterKeyId: row.private_key.keyId, toMasterKeyId: rewrapped.keyId } },
          manager,
        );
      }
      const last = rows[rows.length - 1];
      if (rows.length === limit && last) batch.next = last.kid;
      return batch;
    });
  }
}
