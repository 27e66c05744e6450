import { Injectable } from '@nestjs/common';
import type { AuthPrincipal, RevocationCheck } from '@app/auth';
import { BOOTSTRAP_SUBJECT } from './api-key.authenticator';
import { ApiKeysRepository } from './api-keys.repository';

const CACHE_MS = 5_000;
const MAX_CACHED = 10_000;

/**
 * Refuses, at the vault's own endpoints, tokens whose API key was revoked:
 * at once on the replica that revoked it, within a few seconds on the
 * others. The other apps verify tokens on their own and accept them until
 * they expire (JWT_TTL_SECONDS).
 */
@Injectable()
export class ApiKeyRevocation implements RevocationCheck {
  private readonly active = new Map<string, { active: boolean; at: number }>();

  constructor(private readonly keys: ApiKeysRepository) {}

  async revoked(principal: AuthPrincipal): Promise<boolean> {
    if (principal.handle === BOOTSTRAP_SUBJECT) return false;
    // Every token the vault issues for a stored key names it; one that does not is refused.
    if (!principal.apiKeyId) return true;
    return !(await this.isActive(principal.apiKeyId));
  }

  /** Called when this replica revokes a key. */
  forget(apiKeyId: string): void {
    this.active.delete(apiKeyId);
  }

  private async isActive(id: string): Promise<boolean> {
    const now = Date.now();
    const cached = this.active.get(id);
    if (cached && now - cached.at < CACHE_MS) return cached.active;
    const active = await this.keys.isActive(id);
    if (this.active.size >= MAX_CACHED) this.active.clear();
    this.active.set(id, { active, at: now });
    return active;
  }
}
