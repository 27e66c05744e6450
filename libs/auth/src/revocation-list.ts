import { Logger } from '@nestjs/common';
import { z } from 'zod';
import { serviceUrl } from '@app/http';
import type { RevocationCheck } from './jwt-verifier';
import type { AuthPrincipal } from './principal';

/** The subject of tokens exchanged for the vault's bootstrap admin key (kept in step with the vault). */
export const BOOTSTRAP_SUBJECT = 'bootstrap:admin';

/** Where the poller gets its own token: a TokenSource. */
export interface RevocationListTokens {
  getToken(): Promise<string>;
  invalidate(): void;
}

export interface RevocationListOptions {
  vaultUrl: string;
  tokens: RevocationListTokens;
  /** Time between two polls. */
  intervalMs?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

export interface RevocationListStatus {
  /** Revoked API key ids currently refused. */
  size: number;
  /** When the list was last fetched, or undefined before the first success. */
  lastSuccessAt: number | undefined;
  consecutiveFailures: number;
  bootstrapDisabled: boolean;
}

const revocationsDocument = z.object({
  revoked: z.array(z.string().min(1)),
  bootstrapDisabled: z.boolean(),
  windowSeconds: z.number().int().positive(),
});

/**
 * Refuses tokens of API keys the vault revoked, in an app that verifies
 * tokens on its own: the vault's `GET /v1/revocations` (keys revoked within
 * the token lifetime) is polled every few seconds and kept in memory, so a
 * request costs a Set look-up, never a network hop.
 *
 * Fails open: when the vault cannot be reached, the last list fetched stays in
 * force (a key revoked before the outage stays refused) and keys revoked during
 * the outage are accepted until the vault answers again or their tokens
 * expire. Token verification never depended on the vault being up, and a vault
 * outage must not stop grading from taking scores; `status()` says how stale
 * the list is, for metrics and logs.
 */
export class RevocationList implements RevocationCheck {
  private readonly logger = new Logger(RevocationList.name);
  private revokedIds: ReadonlySet<string> = new Set();
  private bootstrapDisabled = false;
  private lastSuccessAt: number | undefined;
  private consecutiveFailures = 0;
  private timer: NodeJS.Timeout | undefined;
  private inflight: Promise<void> | undefined;
  private readonly url: string;
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;

  constructor(private readonly options: RevocationListOptions) {
    this.url = serviceUrl(options.vaultUrl, '/v1/revocations').toString();
    this.fetchImpl = options.fetch ?? fetch;
    this.now = options.now ?? Date.now;
  }

  revoked(principal: AuthPrincipal): boolean {
    if (principal.apiKeyId !== undefined) return this.revokedIds.has(principal.apiKeyId);
    return this.bootstrapDisabled && principal.handle === BOOTSTRAP_SUBJECT;
  }

  status(): RevocationListStatus {
    return { size: this.revokedIds.size, lastSuccessAt: this.lastSuccessAt, consecutiveFailures: this.consecutiveFailures, bootstrapDisabled: this.bootstrapDisabled };
  }

  /** Polls now, then every `intervalMs`; never throws. */
  start(): void {
    if (this.timer) return;
    void this.poll();
    this.timer = setInterval(() => void this.poll(), this.options.intervalMs ?? 2_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One fetch (single flight); resolves whether it succeeded or not. */
  poll(): Promise<void> {
    this.inflight ??= this.fetchList()
      .then(
        (list) => {
          this.revokedIds = new Set(list.revoked);
          this.bootstrapDisabled = list.bootstrapDisabled;
          this.lastSuccessAt = this.now();
          if (this.consecutiveFailures > 0) this.logger.log({ failures: this.consecutiveFailures, revoked: list.revoked.length }, 'revocation list reachable again');
          this.consecutiveFailures = 0;
        },
        (error: unknown) => {
          this.consecutiveFailures++;
          // One line when it starts failing and then one a minute or so, not one per poll.
          if (this.consecutiveFailures === 1 || this.consecutiveFailures % 30 === 0) {
            this.logger.error(
              { err: error, failures: this.consecutiveFailures, lastSuccessAt: this.lastSuccessAt ? new Date(this.lastSuccessAt).toISOString() : null },
              'could not fetch the revocation list from the vault; keys revoked since the last success are still accepted (fail open)',
            );
          }
        },
      )
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  private async fetchList(): Promise<z.infer<typeof revocationsDocument>> {
    for (let attempt = 1; ; attempt++) {
      const token = await this.options.tokens.getToken();
      const response = await this.fetchImpl(this.url, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 3_000),
      });
      if (response.status === 401 && attempt === 1) {
        await response.body?.cancel();
        this.options.tokens.invalidate();
        continue;
      }
      const body: unknown = await response.json().catch(() => undefined);
      if (!response.ok) {
        const message = (body as { message?: unknown } | undefined)?.message;
        throw new Error(`the vault answered ${this.url} with ${response.status}${typeof message === 'string' ? `: ${message}` : ''}`);
      }
      const parsed = revocationsDocument.safeParse(body);
      if (!parsed.success) throw new Error(`the vault answered ${this.url} with an unexpected body`);
      return parsed.data;
    }
  }
}
