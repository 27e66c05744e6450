import { Inject, Injectable } from '@nestjs/common';
import { contextKey, type ContextTriple } from '@app/contracts';
import { CLOCK, type Clock } from '../common/clock';
import { CREDENTIAL_CACHE_MS, type ResolvedCredential, type VaultPort } from './ports';
import { VaultClient } from './vault.client';

interface Entry {
  value: Promise<ResolvedCredential>;
  expiresAt: number;
}

/**
 * serviceKeys from the vault, kept in memory for a short while so a burst of
 * deliveries to one activity asks once. Concurrent callers share one request;
 * failures are not cached; a key LTIAAS refused is dropped at once. One per
 * process: delivery and roster refreshes share its cache.
 */
@Injectable()
export class CredentialResolver {
  private readonly cache = new Map<string, Entry>();

  constructor(
    @Inject(VaultClient) private readonly vault: VaultPort,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CREDENTIAL_CACHE_MS) private readonly ttlMs: number,
  ) {}

  resolve(triple: ContextTriple): Promise<ResolvedCredential> {
    const key = contextKey(triple);
    const now = this.clock.now();
    const hit = this.cache.get(key);
    if (hit && hit.expiresAt > now) return hit.value;
    const value = this.vault.resolve(triple);
    const entry = { value, expiresAt: now + this.ttlMs };
    this.cache.set(key, entry);
    value.catch(() => {
      if (this.cache.get(key) === entry) this.cache.delete(key);
    });
    if (this.cache.size > 10_000) this.evictExpired(now);
    return value;
  }

  /** Forget the key of a context: LTIAAS refused it, or a launch brought a new one. */
  forget(triple: ContextTriple): void {
    this.cache.delete(contextKey(triple));
  }

  async markStale(triple: ContextTriple, detail: { capturedAt: string | null; reason: string }): Promise<void> {
    this.forget(triple);
    await this.vault.markStale(triple, detail);
  }

  private evictExpired(now: number): void {
    for (const [key, entry] of this.cache) if (entry.expiresAt <= now) this.cache.delete(key);
  }
}
