import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { loggableUrl } from '@app/observability';
import type { Logger } from 'pino';
import { Pool } from 'undici';
import type { AuthScheme } from '../auth/authorization';
import type { Clock } from '../auth/clock';
import { classifyResponse, classifyTransportError, scrubberFor, type Scrub } from '../errors/classify-failure';
import { LtiaasError, LtiaasInvalidResponseError, type LtiaasFailureContext } from '../errors/ltiaas.exception';
import { parseRateLimitRemaining } from '../errors/retry-after';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** Reported after every successful call, so a caller can pace itself on the LMS's quota. */
export interface LtiaasResponseEvent {
  requestId: string;
  method: HttpMethod;
  /** Path without its query string. */
  path: string;
  status: number;
  durationMs: number;
  /** `X-Rate-Limit-Remaining` as the LMS reported it (Canvas), when present. */
  rateLimitRemaining: number | undefined;
}

export interface HttpCall {
  method: HttpMethod;
  /** Path and query, relative to the base URL. */
  path: string;
  authorization: string;
  scheme: AuthScheme;
  body?: string;
  /** Whether a JSON body is expected back (false: 204-style answers, drained unread). */
  expectJson: boolean;
  requestId?: string;
}

export interface HttpReply {
  requestId: string;
  status: number;
  json: unknown;
  rateLimitRemaining: number | undefined;
}

export interface LtiaasHttpOptions {
  baseUrl: string;
  connections: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  logger: Logger;
  clock: Clock;
  onResponse?: (event: LtiaasResponseEvent) => void;
}

/**
 * One keep-alive connection pool per LTIAAS base URL. Turns every non-2xx
 * answer and transport failure into a typed LtiaasError whose message and
 * fields never carry the Authorization header or the secrets inside it.
 */
export class LtiaasHttp {
  private readonly pool: Pool;
  private readonly prefix: string;

  constructor(private readonly options: LtiaasHttpOptions) {
    const base = new URL(options.baseUrl);
    this.prefix = base.pathname.replace(/\/+$/, '');
    this.pool = new Pool(base.origin, {
      connections: options.connections,
      pipelining: 1,
      headersTimeout: options.headersTimeoutMs,
      bodyTimeout: options.bodyTimeoutMs,
    });
  }

  async send(call: HttpCall): Promise<HttpReply> {
    const requestId = call.requestId ?? randomUUID();
    const started = performance.now();
    let status = 0;
    try {
      const headers: Record<string, string> = { authorization: call.authorization, 'x-request-id': requestId, accept: 'application/json' };
      if (call.body !== undefined) headers['content-type'] = 'application/json';
      const response = await this.pool.request({
        method: call.method,
        path: this.prefix + call.path,
        headers,
        body: call.body,
        headersTimeout: this.options.headersTimeoutMs,
        bodyTimeout: this.options.bodyTimeoutMs,
      });
      status = response.statusCode;
      const rateLimitRemaining = parseRateLimitRemaining(response.headers['x-rate-limit-remaining']);
      if (status < 200 || status >= 300) {
        const bodyText = await response.body.text();
        throw classifyResponse({ status, headers: response.headers, bodyText }, this.context(call, requestId), this.options.clock.now(), scrubFor(call));
      }
      let json: unknown;
      if (call.expectJson) json = parseJson(await response.body.text(), this.context(call, requestId, status));
      else await response.body.dump();
      const durationMs = performance.now() - started;
      this.logDone(call, requestId, status, durationMs);
      this.options.onResponse?.({ requestId, method: call.method, path: loggablePath(call.path), status, durationMs, rateLimitRemaining });
      return { requestId, status, json, rateLimitRemaining };
    } catch (error) {
      const failure = error instanceof LtiaasError ? error : classifyTransportError(error, this.context(call, requestId, status || undefined), scrubFor(call));
      this.logDone(call, requestId, failure.status ?? 0, performance.now() - started, failure);
      throw failure;
    }
  }

  /** Waits for in-flight requests, then closes every socket. */
  async close(): Promise<void> {
    if (!this.pool.closed) await this.pool.close();
  }

  private context(call: HttpCall, requestId: string, status?: number): LtiaasFailureContext {
    return { method: call.method, path: loggablePath(call.path), requestId, scheme: call.scheme, status };
  }

  private logDone(call: HttpCall, requestId: string, status: number, durationMs: number, failure?: LtiaasError): void {
    const logger = this.options.logger;
    if (!logger.isLevelEnabled('debug')) return;
    const fields = { requestId, method: call.method, path: loggablePath(call.path), status, durationMs: Math.round(durationMs * 10) / 10 };
    if (failure) logger.debug({ ...fields, kind: failure.kind, error: failure.message }, 'ltiaas request failed');
    else logger.debug(fields, 'ltiaas request');
  }
}

function loggablePath(path: string): string {
  return loggableUrl(path) ?? path;
}

function parseJson(text: string, context: LtiaasFailureContext): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new LtiaasInvalidResponseError(`LTIAAS ${context.method} ${context.path} answered ${context.status} with a body that is not JSON`, context);
  }
}

/** The secrets are exactly what follows the scheme: `<API_KEY>` or `<API_KEY>:<TOKEN>`. */
function scrubFor(call: HttpCall): Scrub {
  const secret = call.authorization.slice(call.scheme.length + 1);
  const colon = secret.indexOf(':');
  return colon === -1 ? scrubberFor([secret]) : scrubberFor([secret, secret.slice(0, colon), secret.slice(colon + 1)]);
}
