import { Logger } from '@nestjs/common';
import { importJWK, type CryptoKey, type JWK } from 'jose';
import { SigningKeysUnavailableError } from '../token-rejection';
import type { JwksSource } from './jwks-source';

export interface VerificationKey {
  kid: string;
  alg: string;
  key: CryptoKey;
}

export interface SigningKeyStoreOptions {
  /** Only keys for these algorithms are imported; a JWK must name its `alg`. */
  algorithms: readonly string[];
  /** A key set older than this is refreshed in the background while still in use. */
  maxAgeMs?: number;
  /**
   * The least time between two fetches triggered by an unknown `kid`, so a
   * stream of forged tokens with made-up kids cannot turn into a stream of
   * JWKS requests.
   */
  unknownKidCooldownMs?: number;
  /** After a failed fetch, the next one waits at least this long. */
  failureBackoffMs?: number;
  now?: () => number;
}

/**
 * The verifier's copy of the signing keys: loaded once, refreshed when old or
 * when a token names a key it has not seen (at most once per cool-down), and
 * kept when a refresh fails, so a vault outage does not stop verification.
 */
export class SigningKeyStore {
  private readonly logger = new Logger(SigningKeyStore.name);
  private keys = new Map<string, VerificationKey>();
  private loaded = false;
  private loadedAt = -Infinity;
  private lastAttemptAt = -Infinity;
  private lastFailureAt = -Infinity;
  private lastError: unknown;
  private inflight: Promise<void> | undefined;
  private readonly maxAgeMs: number;
  private readonly cooldownMs: number;
  private readonly failureBackoffMs: number;
  private readonly now: () => number;

  constructor(
    private readonly source: JwksSource,
    private readonly options: SigningKeyStoreOptions,
  ) {
    this.maxAgeMs = options.maxAgeMs ?? 5 * 60_000;
    this.cooldownMs = options.unknownKidCooldownMs ?? 30_000;
    this.failureBackoffMs = options.failureBackoffMs ?? 1_000;
    this.now = options.now ?? Date.now;
  }

  /** Whether a key is currently trusted; synchronous, for the verified-token cache. */
  has(kid: string): boolean {
    return this.keys.has(kid);
  }

  /** The key for `kid`, or undefined when the vault does not publish it. */
  async get(kid: string): Promise<VerificationKey | undefined> {
    const known = this.keys.get(kid);
    const now = this.now();
    if (known) {
      if (now - this.loadedAt > this.maxAgeMs && this.mayFetch(now, this.failureBackoffMs)) {
        this.refresh().catch(() => undefined); // logged in refresh; the current key stays in use
      }
      return known;
    }
    if (!this.loaded || this.mayFetch(now, this.cooldownMs)) {
      await this.refresh().catch((error: unknown) => {
        if (!this.loaded) throw new SigningKeysUnavailableError(error);
      });
    } else if (this.inflight) {
      await this.inflight.catch(() => undefined);
    }
    if (!this.loaded) throw new SigningKeysUnavailableError(this.lastError);
    return this.keys.get(kid);
  }

  /** Fetches the key set now (single flight): start-up warm-up, tests, benchmarks. */
  refresh(): Promise<void> {
    if (this.inflight) return this.inflight;
    const now = this.now();
    if (!this.loaded && now - this.lastFailureAt < this.failureBackoffMs) {
      return Promise.reject(new SigningKeysUnavailableError(this.lastError));
    }
    this.lastAttemptAt = now;
    this.inflight = this.load().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private mayFetch(now: number, gapMs: number): boolean {
    if (this.inflight) return false;
    if (now - this.lastFailureAt < this.failureBackoffMs) return false;
    return now - this.lastAttemptAt >= gapMs;
  }

  private async load(): Promise<void> {
    try {
      const jwks = await this.source.load();
      const next = new Map<string, VerificationKey>();
      for (const jwk of jwks.keys) {
        const key = await this.importKey(jwk);
        if (key) next.set(key.kid, key);
      }
      this.keys = next;
      this.loaded = true;
      this.loadedAt = this.now();
      this.lastError = undefined;
    } catch (error) {
      this.lastFailureAt = this.now();
      this.lastError = error;
      this.logger.warn({ err: error }, this.loaded ? 'refreshing the signing keys failed; keeping the current ones' : 'loading the signing keys failed');
      throw error;
    }
  }

  private async importKey(jwk: JWK): Promise<VerificationKey | undefined> {
    const { kid, alg } = jwk;
    if (typeof kid !== 'string' || !kid || typeof alg !== 'string' || !this.options.algorithms.includes(alg)) return undefined;
    if (jwk.use !== undefined && jwk.use !== 'sig') return undefined;
    if ('d' in jwk) return undefined; // never trust a key set that leaks a private key as a public one
    try {
      const key = await importJWK(jwk, alg);
      if (key instanceof Uint8Array) return undefined; // a symmetric key never verifies an access token
      return { kid, alg, key };
    } catch (error) {
      this.logger.warn({ kid, err: error }, 'skipping a signing key that does not import');
      return undefined;
    }
  }
}
