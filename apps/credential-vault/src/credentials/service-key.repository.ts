import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { ContextTriple } from '@app/contracts';
import { rowsOf } from '@app/database';
import type { SealedSecret } from '../crypto/sealed-secret';
import { isoOf } from './sql';

/** The version of the launch a stored key came from; a key is replaced only by a later one. */
export interface LaunchStamp {
  capturedAt: string;
  eventTime: string;
  eventId: string;
}

export type StoreOutcome = 'stored' | 'overwritten' | 'ignored';

export interface StoredServiceKey extends ContextTriple {
  sealed: SealedSecret;
  capturedAt: string;
  staleAt: string | null;
  staleReason: string | null;
  version: number;
  services: { assignmentAndGrades: { available: boolean; lineItemId?: string }; namesAndRoles: { available: boolean } } | null;
}

interface Row {
  platform_id: string;
  context_id: string;
  resource_link_id: string;
  secret_format: number;
  master_key_id: string;
  wrapped_data_key: string;
  ciphertext: string;
  captured_at: string;
  stale_at: string | null;
  stale_reason: string | null;
  version: number;
  ags_available: boolean | null;
  line_item_id: string | null;
  nrps_available: boolean | null;
}

const TRIPLE = `"platform_id" = $1 AND "context_id" = $2 AND "resource_link_id" = $3`;

/** The vault.service_keys table. Every statement is schema-qualified SQL. */
@Injectable()
export class ServiceKeyRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Inserts the key, or replaces the stored one only when this launch is
   * later: (captured_at, event_time, event_id) compared as a tuple, in SQL,
   * so concurrent or late events cannot race. The same event twice is a no-op.
   * A replacement clears a stale mark: a fresh launch brings a fresh key.
   */
  async upsert(triple: ContextTriple, sealed: SealedSecret, stamp: LaunchStamp, manager: EntityManager = this.dataSource.manager): Promise<{ outcome: StoreOutcome; version?: number }> {
    const rows: Array<{ inserted: boolean; version: number }> = await manager.query(
      `INSERT INTO "vault"."service_keys" AS cur
         ("platform_id", "context_id", "resource_link_id", "secret_format", "master_key_id", "wrapped_data_key", "ciphertext", "captured_at", "event_time", "event_id")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::timestamptz, $9::timestamptz, $10)
       ON CONFLICT ("platform_id", "context_id", "resource_link_id") DO UPDATE SET
         "secret_format" = excluded."secret_format",
         "master_key_id" = excluded."master_key_id",
         "wrapped_data_key" = excluded."wrapped_data_key",
         "ciphertext" = excluded."ciphertext",
         "captured_at" = excluded."captured_at",
         "event_time" = excluded."event_time",
         "event_id" = excluded."event_id",
         "stale_at" = NULL,
         "stale_reason" = NULL,
         "version" = cur."version" + 1,
         "updated_at" = now()
       WHERE (excluded."captured_at", excluded."event_time", excluded."event_id") > (cur."captured_at", cur."event_time", cur."event_id")
       RETURNING (xmax = 0) AS inserted, "version"`,
      [triple.platformId, triple.contextId, triple.resourceLinkId, sealed.v, sealed.keyId, sealed.wrappedKey, sealed.ciphertext, stamp.capturedAt, stamp.eventTime, stamp.eventId],
    );
    if (rows.length === 0) return { outcome: 'ignored' };
    return { outcome: rows[0].inserted ? 'stored' : 'overwritten', version: rows[0].version };
  }

  async find(triple: ContextTriple): Promise<StoredServiceKey | undefined> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT k."platform_id", k."context_id", k."resource_link_id", k."secret_format", k."master_key_id", k."wrapped_data_key", k."ciphertext",
              ${isoOf('k."captured_at"')} AS "captured_at", ${isoOf('k."stale_at"')} AS "stale_at", k."stale_reason", k."version",
              c."ags_available", c."line_item_id", c."nrps_available"
         FROM "vault"."service_keys" k
         LEFT JOIN "vault"."launch_contexts" c USING ("platform_id", "context_id", "resource_link_id")
        WHERE k."platform_id" = $1 AND k."context_id" = $2 AND k."resource_link_id" = $3`,
      [triple.platformId, triple.contextId, triple.resourceLinkId],
    );
    return rows[0] && toStored(rows[0]);
  }

  /**
   * Marks the key stale, unless `capturedBefore` is given and the stored key
   * is newer (a launch already replaced the key the caller found failing).
   * Undefined when the context has no key.
   */
  async markStale(triple: ContextTriple, reason: string | undefined, capturedBefore: string | undefined): Promise<{ marked: boolean; capturedAt: string; staleAt: string | null } | undefined> {
    return this.dataSource.transaction(async (manager) => {
      const params = [triple.platformId, triple.contextId, triple.resourceLinkId];
      const found: Array<{ applies: boolean; captured_at: string; stale_at: string | null }> = await manager.query(
        `SELECT ("captured_at" <= COALESCE($4::timestamptz, "captured_at")) AS "applies", ${isoOf('"captured_at"')} AS "captured_at", ${isoOf('"stale_at"')} AS "stale_at"
           FROM "vault"."service_keys" WHERE ${TRIPLE} FOR UPDATE`,
        [...params, capturedBefore ?? null],
      );
      if (found.length === 0) return undefined;
      if (!found[0].applies) return { marked: false, capturedAt: found[0].captured_at, staleAt: found[0].stale_at };
      const updated = rowsOf<{ stale_at: string }>(await manager.query(
        `UPDATE "vault"."service_keys"
            SET "stale_at" = COALESCE("stale_at", clock_timestamp()), "stale_reason" = COALESCE($4, "stale_reason", 'marked stale'), "updated_at" = now()
          WHERE ${TRIPLE}
          RETURNING ${isoOf('"stale_at"')} AS "stale_at"`,
        [...params, reason ?? null],
      ));
      return { marked: true, capturedAt: found[0].captured_at, staleAt: updated[0].stale_at };
    });
  }
}

function toStored(r: Row): StoredServiceKey {
  return {
    platformId: r.platform_id,
    contextId: r.context_id,
    resourceLinkId: r.resource_link_id,
    sealed: { v: r.secret_format as 1, keyId: r.master_key_id, wrappedKey: r.wrapped_data_key, ciphertext: r.ciphertext },
    capturedAt: r.captured_at,
    staleAt: r.stale_at,
    staleReason: r.stale_reason,
    version: r.version,
    services:
      r.ags_available === null
        ? null
        : {
            assignmentAndGrades: { available: r.ags_available, ...(r.line_item_id ? { lineItemId: r.line_item_id } : {}) },
            namesAndRoles: { available: Boolean(r.nrps_available) },
          },
  };
}
