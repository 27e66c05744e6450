import type { DataSource } from 'typeorm';
import { contextKey, type ContextTriple } from '@app/contracts';
import { rowsOf } from '@app/database';
import { AuditLog } from '../audit/audit.log';
import type { EnvelopeCipher } from '../crypto/envelope-cipher';
import { rewrapOrReason, type RewrapBatch, type RewrapTarget } from '../crypto/rewrap-target';
import type { SealedSecret } from '../crypto/sealed-secret';
import { serviceKeyAad } from './service-key.aad';

interface Row {
  platform_id: string;
  context_id: string;
  resource_link_id: string;
  secret_format: number;
  master_key_id: string;
  wrapped_data_key: string;
  ciphertext: string;
  version: number;
}

/**
 * vault.service_keys for `npm run rewrap`. Each batch locks its rows
 * (FOR UPDATE SKIP LOCKED: rows a launch is replacing right now are passed
 * over, and that launch writes under the active key anyway) and updates a
 * row only if its version and wrapping did not change since it was read.
 */
export class ServiceKeyRewrapTarget implements RewrapTarget {
  readonly name = 'service keys';
  private readonly audit: AuditLog;

  constructor(private readonly dataSource: DataSource) {
    this.audit = new AuditLog(dataSource);
  }

  async countPending(activeKeyId: string): Promise<number> {
    const rows: Array<{ n: string }> = await this.dataSource.query(`SELECT count(*) AS n FROM "vault"."service_keys" WHERE "master_key_id" <> $1`, [activeKeyId]);
    return Number(rows[0].n);
  }

  rewrapBatch(cipher: EnvelopeCipher, limit: number, after: string | undefined, actor: string): Promise<RewrapBatch> {
    const from = after ? (JSON.parse(after) as [string, string, string]) : undefined;
    return this.dataSource.transaction(async (manager) => {
      const rows: Row[] = await manager.query(
        `SELECT "platform_id", "context_id", "resource_link_id", "secret_format", "master_key_id", "wrapped_data_key", "ciphertext", "version"
           FROM "vault"."service_keys"
          WHERE "master_key_id" <> $1 AND ($2::text IS NULL OR ("platform_id", "context_id", "resource_link_id") > ($2, $3, $4))
          ORDER BY "platform_id", "context_id", "resource_link_id"
          LIMIT $5
          FOR UPDATE SKIP LOCKED`,
        [cipher.activeKeyId, from?.[0] ?? null, from?.[1] ?? null, from?.[2] ?? null, limit],
      );
      const batch: RewrapBatch = { rewrapped: 0, failed: [] };
      for (const row of rows) {
        const triple: ContextTriple = { platformId: row.platform_id, contextId: row.context_id, resourceLinkId: row.resource_link_id };
        const sealed: SealedSecret = { v: row.secret_format as 1, keyId: row.master_key_id, wrappedKey: row.wrapped_data_key, ciphertext: row.ciphertext };
        const result = await rewrapOrReason(cipher, sealed, serviceKeyAad(triple));
        if ('reason' in result) {
          batch.failed.push({ id: contextKey(triple), reason: result.reason });
          continue;
        }
        const { rewrapped } = result;
        const updated = rowsOf(await manager.query(
          `UPDATE "vault"."service_keys" SET "master_key_id" = $4, "wrapped_data_key" = $5, "version" = "version" + 1, "updated_at" = now()
            WHERE "platform_id" = $1 AND "context_id" = $2 AND "resource_link_id" = $3 AND "version" = $6 AND "master_key_id" = $7
            RETURNING 1`,
          [row.platform_id, row.context_id, row.resource_link_id, rewrapped.keyId, rewrapped.wrappedKey, row.version, row.master_key_id],
        ));
        if (updated.length === 0) continue;
        batch.rewrapped++;
        await this.audit.record(
          { actor, action: 'service-key.rewrap', subjectType: 'service-key', subjectId: contextKey(triple), detail: { fromMasterKeyId: row.master_key_id, toMasterKeyId: rewrapped.keyId, version: row.version + 1 } },
          manager,
        );
      }
      const last = rows[rows.length - 1];
      if (rows.length === limit && last) batch.next = JSON.stringify([last.platform_id, last.context_id, last.resource_link_id]);
      return batch;
    });
  }
}
