import { Inject, Injectable, Logger } from '@nestjs/common';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JSONWebKeySet, type JWK } from 'jose';
import { ACCESS_TOKEN_ALGORITHM } from '@app/auth';
import { EnvelopeCipher } from '../crypto';
import { SigningKeysRepository, type NewSigningKey, type PublishableKeyRow, type RotationMode, type RotationOutcome } from './signing-keys.repository';
import { privateKeyAad } from './signing-key.aad';

export const SIGNING_KEY_SETTINGS = Symbol('SIGNING_KEY_SETTINGS');

export interface SigningKeySettings {
  /** JWT_TTL_SECONDS: the longest a token signed by a key can live. */
  tokenTtlSeconds: number;
  /** JWT_ROTATION_HOURS. */
  rotationHours: number;
}

export interface ActiveSigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
}

/**
 * How long each replica reuses the active key before asking the database
 * again. After another replica rotates, this one may still sign with the
 * retired key for up to this long, which the retention below allows for.
 */
const ACTIVE_KEY_CACHE_MS = 30_000;
const JWKS_CACHE_MS = 5_000;
/** Beyond the token lifetime: the active-key cache, clock skew between apps, and a margin. */
const RETENTION_MARGIN_SECONDS = 300;

/** The vault's token-signing keys: rotation, the active private key, the published public keys. */
@Injectable()
export class SigningKeysService {
  private readonly logger = new Logger(SigningKeysService.name);
  private activeKey: { value: Promise<ActiveSigningKey>; loadedAt: number } | undefined;
  private jwks: { value: Promise<JSONWebKeySet>; loadedAt: number } | undefined;
  private readonly refusedKids = new Set<string>();

  constructor(
    private readonly keys: SigningKeysRepository,
    private readonly cipher: EnvelopeCipher,
    @Inject(SIGNING_KEY_SETTINGS) private readonly settings: SigningKeySettings,
  ) {}

  async rotate(mode: RotationMode, actor?: string): Promise<RotationOutcome> {
    const outcome = await this.keys.rotate(
      mode,
      { rotationHours: this.settings.rotationHours, retentionSeconds: this.settings.tokenTtlSeconds + RETENTION_MARGIN_SECONDS },
      () => this.newKey(),
    );
    if (outcome.rotated) {
      this.activeKey = undefined;
      this.jwks = undefined;
      this.logger.log({ activeKid: outcome.activeKid, retiredKid: outcome.retiredKid, mode, actor }, 'signing key rotated');
    }
    return outcome;
  }

  activeSigningKey(): Promise<ActiveSigningKey> {
    const now = Date.now();
    if (!this.activeKey || now - this.activeKey.loadedAt > ACTIVE_KEY_CACHE_MS) {
      const value = this.loadActiveKey();
      value.catch(() => {
        if (this.activeKey?.value === value) this.activeKey = undefined;
      });
      this.activeKey = { value, loadedAt: now };
    }
    return this.activeKey.value;
  }

  /**
   * The JWKS document: pending, active and recently retired public keys, each
   * only if its sealed private half opens under a master key and is the
   * private half of that very public key. A row written straight into the
   * table (by someone without the master key) is never published, so it can
   * never verify a token, here or in any app.
   */
  publicJwks(options: { fresh?: boolean } = {}): Promise<JSONWebKeySet> {
    const now = Date.now();
    if (options.fresh || !this.jwks || now - this.jwks.loadedAt > JWKS_CACHE_MS) {
      const value = this.keys.published().then(async (rows) => {
        const keys: JWK[] = [];
        for (const row of rows) if (await this.isGenuine(row)) keys.push(row.publicJwk);
        return { keys };
      });
      value.catch(() => {
        if (this.jwks?.value === value) this.jwks = undefined;
      });
      this.jwks = { value, loadedAt: now };
    }
    return this.jwks.value;
  }

  private async isGenuine(row: PublishableKeyRow): Promise<boolean> {
    const refuse = (reason: string): false => {
      // Once per key and process: the JWKS is rebuilt every few seconds.
      if (!this.refusedKids.has(row.kid)) {
        this.refusedKids.add(row.kid);
        this.logger.error({ kid: row.kid, reason }, 'signing key not published: it was not made by this vault (or its master key is gone)');
      }
      return false;
    };
    if (!row.privateKey) return refuse('no sealed private key');
    let privateJwk: JWK;
    try {
      privateJwk = JSON.parse(await this.cipher.decrypt(row.privateKey, privateKeyAad(row.kid))) as JWK;
    } catch (error) {
      return refuse((error as Error).message);
    }
    const pub = row.publicJwk;
    const matches =
      pub.kid === row.kid && pub.alg === row.alg && privateJwk.kty === pub.kty && privateJwk.crv === pub.crv && privateJwk.x === pub.x && privateJwk.y === pub.y && !('d' in pub);
    return matches || refuse('the private half does not match the public key');
  }

  private async loadActiveKey(): Promise<ActiveSigningKey> {
    let row = await this.keys.active();
    if (!row) {
      await this.rotate('if-missing');
      row = await this.keys.active();
      if (!row) throw new Error('no active signing key after rotation');
    }
    const jwk = JSON.parse(await this.cipher.decrypt(row.privateKey, privateKeyAad(row.kid))) as JWK;
    const privateKey = await importJWK(jwk, row.alg);
    if (privateKey instanceof Uint8Array) throw new Error(`signing key ${row.kid} is not an asymmetric key`);
    return { kid: row.kid, alg: row.alg, privateKey };
  }

  private async newKey(): Promise<NewSigningKey> {
    const alg = ACCESS_TOKEN_ALGORITHM;
    const pair = await generateKeyPair(alg, { extractable: true });
    const publicJwk = await exportJWK(pair.publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const privateJwk = await exportJWK(pair.privateKey);
    return {
      kid,
      alg,
      publicJwk: { ...publicJwk, kid, alg, use: 'sig' },
      privateKey: await this.cipher.encrypt(JSON.stringify(privateJwk), privateKeyAad(kid)),
    };
  }
}
