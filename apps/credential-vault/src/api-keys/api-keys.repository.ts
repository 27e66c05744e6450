import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, type Repository } from 'typeorm';
import { rowsOf } from '@app/database';
import { ApiKeyEntity } from './api-key.entity';

export interface NewApiKey {
  handle: string;
  alias: string | null;
  scopes: string[];
  keyHash: Buffer;
  keyPrefix: string;
}

/** The holder a presented key belongs to, with the stored hash for the constant-time comparison. */
export interface KeyHolder {
  id: string;
  handle: string;
  scopes: string[];
  keyHash: Buffer;
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
      `INSERT INTO vault.api_keys (handle, alias, scopes, key_hash, key_prefix)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (handle) WHERE revoked_at IS NULL DO NOTHING
       RETURNING id`,
      [key.handle, key.alias, key.scopes, key.keyHash, key.keyPrefix],
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
   * The active key with this hash, its use recorded in the same round trip (at
   * most once a minute, to spare a write per exchange); null when unknown or revoked.
   */
  async useByHash(keyHash: Buffer): Promise<KeyHolder | null> {
    const rows = (await this.keys.query(
      `WITH hit AS (
         SELECT id, handle, scopes, key_hash FROM vault.api_keys WHERE key_hash = $1 AND revoked_at IS NULL
       ), touched AS (
         UPDATE vault.api_keys k SET last_used_at = now() FROM hit
          WHERE k.id = hit.id AND (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute')
       )
       SELECT id, handle, scopes, key_hash FROM hit`,
      [keyHash],
    )) as Array<{ id: string; handle: string; scopes: string[]; key_hash: Buffer }>;
    const row = rows[0];
    return row ? { id: row.id, handle: row.handle, scopes: row.scopes, keyHash: row.key_hash } : null;
  }

  /** Whether the key with this id exists and is not revoked. */
  async isActive(id: string): Promise<boolean> {
    const rows = (await this.keys.query(`SELECT 1 FROM vault.api_keys WHERE id = $1 AND revoked_at IS NULL`, [id])) as unknown[];
    return rows.length > 0;
  }
}
