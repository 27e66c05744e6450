import { Inject, Injectable, Logger } from '@nestjs/common';
import { request as undiciRequest } from 'undici';
import { DomainError, serviceUrl } from '@app/http';
import { CONSOLE_CONFIG, type ConsoleConfig } from '../console.config';
import { allowedRoute, type Upstream } from './proxy-routes';

export interface ProxyCall {
  upstream: string;
  method: string;
  /** The path under the upstream, with its query string. */
  pathAndQuery: string;
  authorization?: string;
  body?: unknown;
  requestId: string;
  clientAddress: string;
}

export interface ProxyAnswer {
  status: number;
  contentType: string;
  body: Buffer;
}

/**
 * Passes the page's calls on to the vault and grading, so the browser talks
 * to one origin (no CORS, `connect-src 'self'`). Only the bearer token, the
 * JSON body and the request id go on; only the status, content type and body
 * come back (no upstream cookies or headers reach the page).
 */
@Injectable()
export class ProxyService {
  private readonly logger = new Logger(ProxyService.name);
  private readonly bases: Record<Upstream, string>;

  constructor(@Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig) {
    this.bases = { vault: config.VAULT_URL, grading: config.GRADING_URL };
  }

  async forward(call: ProxyCall): Promise<ProxyAnswer> {
    const path = call.pathAndQuery.split('?')[0];
    const upstream = allowedRoute(call.upstream, call.method, path);
    if (!upstream) throw new DomainError('not_found', `the console does not pass ${call.method} ${path} on to ${call.upstream}`);
    const url = serviceUrl(this.bases[upstream], call.pathAndQuery);
    const headers: Record<string, string> = {
      accept: 'application/json',
      'x-request-id': call.requestId,
      // Believed only by an upstream configured with TRUST_PROXY_HOPS (the vault limits failed keys per address).
      'x-forwarded-for': call.clientAddress,
    };
    if (call.authorization) headers.authorization = call.authorization;
    const hasBody = call.body !== undefined && call.method !== 'GET' && call.method !== 'DELETE';
    if (hasBody) headers['content-type'] = 'application/json';
    try {
      const res = await undiciRequest(url, {
        method: call.method as 'GET' | 'POST' | 'DELETE',
        headers,
        body: hasBody ? JSON.stringify(call.body) : undefined,
        headersTimeout: this.config.CONSOLE_UPSTREAM_TIMEOUT_MS,
        bodyTimeout: this.config.CONSOLE_UPSTREAM_TIMEOUT_MS,
      });
      const body = Buffer.from(await res.body.arrayBuffer());
      const contentType = String(res.headers['content-type'] ?? 'application/json');
      return { status: res.statusCode, contentType, body };
    } catch (error) {
      this.logger.warn({ upstream, path, err: (error as Error).message }, 'upstream did not answer');
      throw new DomainError('bad_gateway', `${upstream === 'vault' ? 'credential-vault' : 'grading'} did not answer`);
    }
  }
}
