import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, type Repository } from 'typeorm';
import { rowsOf } from '@app/database';
import type { SealedSecret } from '../crypto';
import { ApiKeyEntity } from './api-key.entity';

export interface NewApiKey {
  /** Chosen by the caller: the sealed digest is bound to it. */
  id: string;
  handle: string;
  alias: string | null;
  scopes: string[];
  platforms: string[] | null;
  keyHash: Buffer;
  hashKeyId: string;
  keyDigest: SealedSecret;
  keyPrefix: string;
}

/** The holder a presented key belongs to, with the stored hash for the constant-time comparison. */
export interface KeyHolder {
  id: string;
  handle: string;
  scopes: string[];
  platforms: string[] | null;
  keyHash: Buffer;
  hashKeyId: string;
}

/** A key's hash under another master key, and the row as it was read (for the concurrent-change check). */
export interface Repeppering {
  id: string;
  keyHash: Buffer;
  hashKeyId: string;
  keyDigest: SealedSecret;
}

export class HandleTakenError extends Error {
  constructor(readonly handle: string) {
    super(`an API key with handle "${handle}" already exists`);
    this.name = 'HandleTakenError';
  }
}

@Injectable()
export class ApiKeysRepository {
  constructor(@InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>) {}

  async insert(key: NewApiKey): Promise<ApiKeyEntity> {
    // ON CONFLICT rather than catching the unique violation: no failed query (and its parameters) in the logs.
    const rows = (await this.keys.query(
      `INSERT INTO vault.api_keys (id, handle, alias, scopes, platforms, key_hash, hash_key_id, key_digest, key_prefix)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (handle) WHERE revoked_at IS NULL DO NOTHING
       RETURNING id`,
      [key.id, key.handle, key.alias, key.scopes, key.platforms, key.keyHash, key.hashKeyId, JSON.stringify(key.keyDigest), key.keyPrefix],
    )) as Array<{ id: string }>;
    if (rows.length === 0) throw new HandleTakenError(key.handle);
    return this.keys.findOneByOrFail({ id: rows[0].id });
  }

  listActive(): Promise<ApiKeyEntity[]> {
    return this.keys.find({ where: { revokedAt: IsNull() }, order: { handle: 'ASC' } });
  }

  findActive(handle: string): Promise<ApiKeyEntity | null> {
    return this.keys.findOne({ where: { handle, revokedAt: IsNull() } });
  }

  /** Revokes the active key of a handle; its id, or null when there was none. */
  async revoke(handle: string): Promise<string | null> {
    const rows = rowsOf<{ id: string }>(await this.keys.query(`UPDATE vault.api_keys SET revoked_at = now() WHERE handle = $1 AND revoked_at IS NULL RETURNING id`, [handle]));
    return rows[0]?.id ?? null;
  }

  /**
   * The active, peppered key whose hash is one of `keyHashes` (the presented
   * key hashed under each master key), its use recorded in the same round trip
   * (at most once a minute, to spare a write per exchange); null when unknown
   * or revoked. Rows still holding a plain SHA-256 are never matched.
   */
  async useByHash(keyHashes: Buffer[]): Promise<KeyHolder | null> {
    const rows = (await this.keys.query(
      `WITH hit AS (
         SELECT id, handle, scopes, platforms, key_hash, hash_key_id FROM vault.api_keys
          WHERE key_hash = ANY($1::bytea[]) AND hash_key_id IS NOT NULL AND revoked_at IS NULL
       ), touched AS (
         UPDATE vault.api_keys k SET last_used_at = now() FROM hit
          WHERE k.id = hit.id AND (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute')
       )
       SELECT id, handle, scopes, platforms, key_hash, hash_key_id FROM hit`,
      [keyHashes],
    )) as Array<{ id: string; handle: string; scopes: string[]; platforms: string[] | null; key_hash: Buffer; hash_key_id: string }>;
    const row = rows[0];
    return row ? { id: row.id, handle: row.handle, scopes: row.scopes, platforms: row.platforms, keyHash: row.key_hash, hashKeyId: row.hash_key_id } : null;
  }

  /** Stores a key's hash under another master key, unless the row changed since it was read; whether it did. */
  async repepper(change: Repeppering, previous: { keyHash: Buffer; hashKeyId: string | null }): Promise<boolean> {
    const rows = rowsOf(
      await this.keys.query(
        `UPDATE vault.api_keys SET key_hash = $2, hash_key_id = $3, key_digest = $4
          WHERE id = $1 AND key_hash = $5 AND hash_key_id IS NOT DISTINCT FROM $6 RETURNING 1`,
        [change.id, change.keyHash, change.hashKeyId, JSON.stringify(change.keyDigest), previous.keyHash, previous.hashKeyId],
      ),
    );
    return rows.length > 0;
  }

  /** Ids of keys revoked since `seconds` ago (their tokens may still be within their lifetime). */
  async revokedWithin(seconds: number): Promise<string[]> {
    const rows = (await this.keys.query(`SELECT id FROM vault.api_keys WHERE revoked_at > now() - ($1::int * interval '1 second')`, [seconds])) as Array<{ id: string }>;
    return rows.map((r) => r.id);
  }

  /** Active keys still under a plain SHA-256 (stored before keyed hashing): refused until `npm run rewrap`. */
  async countUnpeppered(): Promise<number> {
    const rows = (await this.keys.query(`SELECT count(*)::int AS n FROM vault.api_keys WHERE hash_key_id IS NULL AND revoked_at IS NULL`)) as Array<{ n: number }>;
    return rows[0].n;
  }

  /** Whether the key with this id exists and is not revoked. */
  async isActive(id: string): Promise<boolean> {
    const rows = (await this.keys.query(`SELECT 1 FROM vault.api_keys WHERE id = $1 AND revoked_at IS NULL`, [id])) as unknown[];
    return rows.length > 0;
  }
}
