import { Injectable } from '@nestjs/common';
import { BOOTSTRAP_SUBJECT, type AuthPrincipal, type RevocationCheck } from '@app/auth';
import { ApiKeysRepository } from './api-keys.repository';
import { BootstrapKeyRepository } from './bootstrap-key.repository';

const CACHE_MS = 5_000;
const MAX_CACHED = 10_000;

/**
 * Refuses, at the vault's own endpoints, tokens whose API key was revoked
 * (or that came from the bootstrap key once it was disabled): at once on the
 * replica that did it, within a few seconds on the others. Grading polls
 * GET /v1/revocations for the same answer.
 */
@Injectable()
export class ApiKeyRevocation implements RevocationCheck {
  private readonly active = new Map<string, { active: boolean; at: number }>();
  private bootstrap: { disabled: boolean; at: number } | undefined;

  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly bootstrapState: BootstrapKeyRepository,
  ) {}

  async revoked(principal: AuthPrincipal): Promise<boolean> {
    if (principal.handle === BOOTSTRAP_SUBJECT) return this.bootstrapDisabled();
    // Every token the vault issues for a stored key names it; one that does not is refused.
    if (!principal.apiKeyId) return true;
    return !(await this.isActive(principal.apiKeyId));
  }

  /** Called when this replica revokes a key. */
  forget(apiKeyId: string): void {
    this.active.delete(apiKeyId);
  }

  /** Called when this replica disables the bootstrap key. */
  bootstrapDisabledNow(): void {
    this.bootstrap = { disabled: true, at: Date.now() };
  }

  private async bootstrapDisabled(): Promise<boolean> {
    const now = Date.now();
    if (this.bootstrap && (this.bootstrap.disabled || now - this.bootstrap.at < CACHE_MS)) return this.bootstrap.disabled;
    const disabled = (await this.bootstrapState.disabled()) !== null;
    this.bootstrap = { disabled, at: now };
    return disabled;
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
