import { Inject, Injectable, Logger } from '@nestjs/common';
import { z } from 'zod';
import { TokenExchangeError } from '@app/auth';
import type { ContextTriple } from '@app/contracts';
import { serviceUrl } from '@app/http';
import { GRADING_CONFIG } from '../grading.database';
import type { GradingConfig } from '../grading.config';
import { CredentialUnavailableError, VaultUnavailableError, type ResolvedCredential, type VaultPort } from './ports';

/** Where the token comes from: @app/auth's TokenSource in production. */
export interface BearerTokens {
  getToken(): Promise<string>;
  invalidate(): void;
}
export const VAULT_TOKENS = Symbol('VAULT_TOKENS');

const TIMEOUT_MS = 5_000;

const resolved = z.looseObject({
  serviceKey: z.string().min(1),
  capturedAt: z.string().optional(),
});

/**
 * The vault's credential API (`POST /v1/credentials/resolve` and `/stale`)
 * with grading's own bearer token. A 401 renews the token once; 404 and 409
 * become CredentialUnavailableError; anything else is "try again later".
 */
@Injectable()
export class VaultClient implements VaultPort {
  private readonly logger = new Logger(VaultClient.name);
  private readonly baseUrl: string;

  constructor(
    @Inject(GRADING_CONFIG) config: Pick<GradingConfig, 'VAULT_URL'>,
    @Inject(VAULT_TOKENS) private readonly tokens: BearerTokens,
  ) {
    this.baseUrl = config.VAULT_URL;
  }

  async resolve(triple: ContextTriple): Promise<ResolvedCredential> {
    const response = await this.post('/v1/credentials/resolve', triple);
    if (response.status === 404) throw new CredentialUnavailableError('missing', 'the vault holds no serviceKey for this context; waiting for a launch');
    if (response.status === 409) throw new CredentialUnavailableError('stale', 'the serviceKey for this context is marked stale; waiting for a relaunch');
    if (!response.ok) throw await unavailable(response, 'resolve');
    const parsed = resolved.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) throw new VaultUnavailableError('the vault answered resolve with an unexpected body');
    return { serviceKey: parsed.data.serviceKey, capturedAt: parsed.data.capturedAt ?? null };
  }

  async markStale(triple: ContextTriple, detail: { capturedAt: string | null; reason: string }): Promise<void> {
    const response = await this.post('/v1/credentials/stale', {
      platformId: triple.platformId,
      contextId: triple.contextId,
      resourceLinkId: triple.resourceLinkId,
      reason: detail.reason.slice(0, 500) || 'refused by LTIAAS',
      ...(detail.capturedAt ? { capturedAt: detail.capturedAt } : {}),
    });
    // 404: nothing stored any more; either way nothing is left to mark.
    if (!response.ok && response.status !== 404) throw await unavailable(response, 'stale');
  }

  private async post(path: string, body: unknown): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      let token: string;
      try {
        token = await this.tokens.getToken();
      } catch (error) {
        const retryAfter = error instanceof TokenExchangeError && error.retryAfterSeconds ? error.retryAfterSeconds * 1000 : undefined;
        throw new VaultUnavailableError(`no token for the vault: ${(error as Error).message}`, retryAfter);
      }
      let response: Response;
      try {
        response = await fetch(serviceUrl(this.baseUrl, path), {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
      } catch (error) {
        throw new VaultUnavailableError(`the vault did not answer ${path}: ${(error as Error).message}`);
      }
      if ((response.status === 401 || response.status === 403) && attempt === 1) {
        this.logger.warn({ path, status: response.status }, 'the vault refused our token; renewing it');
        await response.body?.cancel();
        this.tokens.invalidate();
        continue;
      }
      return response;
    }
  }
}

async function unavailable(response: Response, what: string): Promise<VaultUnavailableError> {
  const body = (await response.json().catch(() => undefined)) as { message?: unknown } | undefined;
  const retryAfter = Number(response.headers.get('retry-after'));
  const message = typeof body?.message === 'string' ? body.message : Array.isArray(body?.message) ? body.message.join('; ') : response.statusText;
  return new VaultUnavailableError(`the vault answered ${what} with ${response.status}: ${message}`, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined);
}
