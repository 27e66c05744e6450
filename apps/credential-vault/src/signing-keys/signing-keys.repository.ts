import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { JWK } from 'jose';
import { advisoryLockKey } from '@app/database';
import type { DataSource, EntityManager } from 'typeorm';
import type { SealedSecret } from '../crypto';

export interface NewSigningKey {
  kid: string;
  alg: string;
  publicJwk: JWK;
  privateKey: SealedSecret;
}

export interface ActiveKeyRow {
  kid: string;
  alg: string;
  privateKey: SealedSecret;
}

export interface PublishableKeyRow {
  kid: string;
  alg: string;
  publicJwk: JWK;
  privateKey: SealedSecret | null;
}

export interface RotationOutcome {
  rotated: boolean;
  activeKid: string;
  retiredKid: string | null;
}

export type RotationMode =
  /** Only when there is no active key (first boot). */
  | 'if-missing'
  /** When the active key is older than the rotation period. */
  | 'if-due'
  /** Unconditionally (operators, tests). */
  | 'now';

const ROTATION_LOCK = advisoryLockKey('vault:signing-key-rotation');

/** Signing keys in the database; every change of state happens here, under one lock. */
@Injectable()
export class SigningKeysRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Rotates in one transaction under an advisory lock, so replicas deciding
   * at the same moment take turns and the second sees the first's result.
   * The unique indexes on pending/active are the backstop. `makeKey` is
   * called only when a key is really needed.
   */
  rotate(mode: RotationMode, settings: { rotationHours: number; retentionSeconds: number }, makeKey: () => Promise<NewSigningKey>): Promise<RotationOutcome> {
    return this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [ROTATION_LOCK]);
      const live = (await tx.query(
        `SELECT kid, activated_at IS NOT NULL AS active,
                activated_at <= now() - ($1::float8 * interval '1 hour') AS due
           FROM vault.signing_keys WHERE retired_at IS NULL`,
        [settings.rotationHours],
      )) as Array<{ kid: string; active: boolean; due: boolean | null }>;
      const active = live.find((k) => k.active);
      const pending = live.find((k) => !k.active);

      const skip = active && (mode === 'if-missing' || (mode === 'if-due' && !active.due));
      if (skip) {
        if (!pending) await this.insert(tx, await makeKey(), false);
        return { rotated: false, activeKid: active.kid, retiredKid: null };
      }
      if (active) {
        await tx.query(
          `UPDATE vault.signing_keys SET retired_at = now(), publish_until = now() + ($2::int * interval '1 second') WHERE kid = $1`,
          [active.kid, settings.retentionSeconds],
        );
      }
      let activeKid: string;
      if (pending) {
        await tx.query(`UPDATE vault.signing_keys SET activated_at = now() WHERE kid = $1`, [pending.kid]);
        activeKid = pending.kid;
      } else {
        activeKid = await this.insert(tx, await makeKey(), true);
      }
      await this.insert(tx, await makeKey(), false);
      // A retired key's private half is kept only while its public half is published (it proves the
      // row was made by the vault); then it is erased, and the row leaves the table a day later.
      await tx.query(`UPDATE vault.signing_keys SET private_key = NULL WHERE publish_until <= now() AND private_key IS NOT NULL`);
      await tx.query(`DELETE FROM vault.signing_keys WHERE publish_until < now() - interval '1 day'`);
      return { rotated: true, activeKid, retiredKid: active?.kid ?? null };
    });
  }

  async active(): Promise<ActiveKeyRow | null> {
    const rows = (await this.db.query(
      `SELECT kid, alg, private_key FROM vault.signing_keys WHERE activated_at IS NOT NULL AND retired_at IS NULL`,
    )) as Array<{ kid: string; alg: string; private_key: SealedSecret }>;
    const row = rows[0];
    return row ? { kid: row.kid, alg: row.alg, privateKey: row.private_key } : null;
  }

  /**
   * Every key a token may legitimately name (pending, active, and retired ones
   * still within their retention), with its sealed private half, which the
   * service checks before publishing it.
   */
  async published(): Promise<PublishableKeyRow[]> {
    const rows = (await this.db.query(
      `SELECT kid, alg, public_jwk, private_key FROM vault.signing_keys
        WHERE retired_at IS NULL OR publish_until > now()
        ORDER BY activated_at DESC NULLS FIRST, created_at DESC`,
    )) as Array<{ kid: string; alg: string; public_jwk: JWK; private_key: SealedSecret | null }>;
    return rows.map((r) => ({ kid: r.kid, alg: r.alg, publicJwk: r.public_jwk, privateKey: r.private_key }));
  }

  private async insert(tx: EntityManager, key: NewSigningKey, active: boolean): Promise<string> {
    await tx.query(
      `INSERT INTO vault.signing_keys (kid, alg, public_jwk, private_key, activated_at)
       VALUES ($1, $2, $3, $4, ${active ? 'now()' : 'NULL'})`,
      [key.kid, key.alg, JSON.stringify(key.publicJwk), JSON.stringify(key.privateKey)],
    );
    return key.kid;
  }
}
