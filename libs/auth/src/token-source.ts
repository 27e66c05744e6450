import { z } from 'zod';
import { serviceUrl } from '@app/http';

export interface TokenSourceOptions {
  vaultUrl: string;
  apiKey: string;
  /** Renew this long before expiry (capped at half the token's lifetime). Default 60 s. */
  renewBeforeSeconds?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

/** The vault refused the exchange or could not be reached. */
export class TokenExchangeError extends Error {
  constructor(
    message: string,
    /** The vault's HTTP status; undefined when it did not answer. */
    readonly status?: number,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'TokenExchangeError';
  }
}

const tokenResponse = z.object({
  access_token: z.string().min(1),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int().positive(),
  scope: z.string(),
});

/** A token still this far from expiry is handed out when a renewal fails (a vault blip is not an outage). */
const STILL_USABLE_MARGIN_MS = 5_000;

/**
 * A service's own access token: exchanges the API key at the vault's
 * `/v1/token`, reuses the token, and renews it shortly before it expires.
 * Concurrent callers share one exchange.
 *
 *   const tokens = new TokenSource({ vaultUrl: config.VAULT_URL, apiKey: config.GRADING_API_KEY });
 *   headers.authorization = `Bearer ${await tokens.getToken()}`;
 */
export class TokenSource {
  private current: { token: string; renewAt: number; expiresAt: number; scope: string } | undefined;
  private inflight: Promise<string> | undefined;
  private readonly tokenUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;

  constructor(private readonly options: TokenSourceOptions) {
    if (!options.apiKey) throw new Error('TokenSource needs an API key');
    this.tokenUrl = serviceUrl(options.vaultUrl, '/v1/token').toString();
    this.fetchImpl = options.fetch ?? fetch;
    this.now = options.now ?? Date.now;
  }

  async getToken(): Promise<string> {
    const now = this.now();
    if (this.current && now < this.current.renewAt) return this.current.token;
    this.inflight ??= this.exchange().finally(() => {
      this.inflight = undefined;
    });
    try {
      return await this.inflight;
    } catch (error) {
      if (this.current && this.now() < this.current.expiresAt - STILL_USABLE_MARGIN_MS) return this.current.token;
      throw error;
    }
  }

  /** The scopes of the current token, once one was obtained. */
  get scopes(): string[] {
    return this.current ? this.current.scope.split(' ').filter(Boolean) : [];
  }

  /** Forget the current token (e.g. after a 401 from a service): the next getToken() exchanges again. */
  invalidate(): void {
    this.current = undefined;
  }

  private async exchange(): Promise<string> {
    const requestedAt = this.now();
    let response: Response;
    try {
      response = await this.fetchImpl(this.tokenUrl, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.options.apiKey}`, accept: 'application/json' },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5_000),
      });
    } catch (error) {
      throw new TokenExchangeError(`token exchange at ${this.tokenUrl} failed: ${(error as Error).message}`);
    }
    const body: unknown = await response.json().catch(() => undefined);
    if (!response.ok) {
      const message = (body as { message?: unknown } | undefined)?.message;
      const retryAfter = Number(response.headers.get('retry-after'));
      throw new TokenExchangeError(
        `token exchange refused (${response.status}): ${typeof message === 'string' ? message : response.statusText}`,
        response.status,
        Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
      );
    }
    const parsed = tokenResponse.safeParse(body);
    if (!parsed.success) throw new TokenExchangeError('token exchange answered an unexpected body', response.status);
    const lifetimeMs = parsed.data.expires_in * 1000;
    // Counted from the request, not the answer: the token's clock started no later than that.
    const renewBeforeMs = Math.min((this.options.renewBeforeSeconds ?? 60) * 1000, lifetimeMs / 2);
    this.current = {
      token: parsed.data.access_token,
      expiresAt: requestedAt + lifetimeMs,
      renewAt: requestedAt + lifetimeMs - renewBeforeMs,
      scope: parsed.data.scope,
    };
    return this.current.token;
  }
}
