import type { ContextTriple } from '@app/contracts';
import { tripleKey } from '../../ledger/score-identity';
import type { Clock, ResolvedCredential, VaultPort } from '../ports';

interface Entry {
  value: Promise<ResolvedCredential>;
  expiresAt: number;
}

/**
 * serviceKeys from the vault, kept in memory for a short while so a burst of
 * deliveries to one activity asks once. Concurrent callers share one request;
 * failures are not cached; a key LTIAAS refused is dropped at once.
 */
export class CredentialResolver {
  private readonly cache = new Map<string, Entry>();

  constructor(
    private readonly vault: VaultPort,
    private readonly clock: Clock,
    private readonly ttlMs: number,
  ) {}

  resolve(triple: ContextTriple): Promise<ResolvedCredential> {
    const key = tripleKey(triple);
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
    this.cache.delete(tripleKey(triple));
  }

  async markStale(triple: ContextTriple, detail: { capturedAt: string | null; reason: string }): Promise<void> {
    this.forget(triple);
    await this.vault.markStale(triple, detail);
  }

  private evictExpired(now: number): void {
    for (const [key, entry] of this.cache) if (entry.expiresAt <= now) this.cache.delete(key);
  }
}
