import { backoffDelay, sleep } from '@app/async';
import { TokenExchangeError } from '@app/auth';
import type { BackfillRecord, RecordFailure, ScoreSink } from './score-sink';

/** The caller's own access token (a TokenSource from @app/auth). */
export interface AccessTokens {
  getToken(): Promise<string>;
  invalidate(): void;
}

export interface HttpSinkOptions {
  gradingUrl: string;
  tokens: AccessTokens;
  /** Requests in flight at once. */
  concurrency?: number;
  /** Attempts per record on 429, 5xx and network errors before the run stops. */
  maxAttempts?: number;
  baseDelayMs?: number;
}

const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);

class RetryableError extends Error {
  constructor(message: string, readonly retryAfterMs?: number) {
    super(message);
  }
}

/**
 * Sends each record to grading's `POST /v1/scores` with the record's
 * deterministic id as `Idempotency-Key`, so a re-run is a no-op there too.
 * The token is renewed once more on a 401.
 */
export class HttpScoreSink implements ScoreSink {
  readonly target: string;
  private readonly concurrency: number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;

  constructor(private readonly options: HttpSinkOptions) {
    this.target = `${options.gradingUrl}/v1/scores`;
    this.concurrency = options.concurrency ?? 16;
    this.maxAttempts = options.maxAttempts ?? 8;
    this.baseDelayMs = options.baseDelayMs ?? 250;
  }

  async send(records: BackfillRecord[]): Promise<{ failed: RecordFailure[] }> {
    const failed: RecordFailure[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < records.length) {
        const record = records[next++];
        const reason = await this.sendOne(record);
        if (reason) failed.push({ lineNumber: record.lineNumber, reason });
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, records.length) }, worker));
    failed.sort((a, b) => a.lineNumber - b.lineNumber);
    return { failed };
  }

  async close(): Promise<void> {
    this.options.tokens.invalidate();
  }

  /** Resolves with the reason grading refused the record for good, or undefined once accepted. */
  private async sendOne(record: BackfillRecord): Promise<string | undefined> {
    let renewed = false;
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await fetch(this.target, {
          method: 'POST',
          headers: { authorization: `Bearer ${await this.accessToken()}`, 'content-type': 'application/json', 'idempotency-key': record.id },
          body: JSON.stringify(record.data),
        });
        if (response.ok) {
          await response.body?.cancel();
          return undefined;
        }
        const message = await errorMessage(response);
        if (response.status === 401 && !renewed) {
          renewed = true;
          this.options.tokens.invalidate();
          attempt--;
          continue;
        }
        if (RETRYABLE.has(response.status)) throw new RetryableError(`grading answered ${response.status}: ${message}`, retryAfterMs(response));
        if (response.status === 401 || response.status === 403) throw new Error(`grading refused the token (${response.status}): ${message}`);
        return `grading answered ${response.status}: ${message}`;
      } catch (error) {
        const retryable =
          error instanceof RetryableError ||
          error instanceof TypeError || // how fetch reports a network failure
          (error instanceof TokenExchangeError && (error.status === undefined || RETRYABLE.has(error.status)));
        if (!retryable || attempt >= this.maxAttempts) throw error;
        // Uncapped: maxAttempts bounds the wait.
        await sleep(Math.max(retryAfter(error) ?? 0, backoffDelay(attempt, { baseMs: this.baseDelayMs, maxMs: Infinity, jitter: 'equal' })));
      }
    }
  }

  private async accessToken(): Promise<string> {
    try {
      return await this.options.tokens.getToken();
    } catch (error) {
      if (error instanceof TokenExchangeError && error.status !== undefined && !RETRYABLE.has(error.status)) {
        throw new Error(`the vault refused the API key: ${error.message}`);
      }
      throw error;
    }
  }
}

async function errorMessage(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { message?: unknown };
    if (typeof body.message === 'string') return body.message;
    if (Array.isArray(body.message)) return body.message.join('; ');
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.slice(0, 500) || response.statusText;
}

function retryAfter(error: unknown): number | undefined {
  if (error instanceof RetryableError) return error.retryAfterMs;
  if (error instanceof TokenExchangeError && error.retryAfterSeconds !== undefined) return Math.min(error.retryAfterSeconds, 300) * 1000;
  return undefined;
}

function retryAfterMs(response: Response): number | undefined {
  const header = response.headers.get('retry-after');
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.min(seconds, 300) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.min(Math.max(date - Date.now(), 0), 300_000);
}
