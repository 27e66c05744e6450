import { createLogger, loggableUrl } from '@app/observability';
import type { z } from 'zod';
import { type EndpointClass, type HeldLtik, type LtiaasCredential } from '../auth/authorization';
import { systemClock, type Clock } from '../auth/clock';
import { LtiaasAuth } from '../auth/ltiaas-auth';
import { LtiaasInvalidResponseError } from '../errors/ltiaas.exception';
import { LTIAAS_CLIENT_DEFAULTS, type LtiaasClientOptions } from './ltiaas-client.options';
import { LtiaasHttp, type HttpMethod, type HttpReply } from './ltiaas-http';
import {
  idTokenSchema,
  lineItemPageSchema,
  lineItemSchema,
  membershipPageSchema,
  resultPageSchema,
  type IdToken,
  type LineItem,
  type LineItemInput,
  type LtiaasResult,
  type Member,
  type MembershipContext,
  type MembershipPage,
  type Score,
} from './ltiaas.schemas';

export interface CallOptions {
  /** Sent as `x-request-id` (every page of a listing reuses it); a UUID otherwise. */
  requestId?: string;
}

export interface LineItemQuery {
  resourceLinkId?: string;
  resourceId?: string;
  tag?: string;
  /** Also filtered here: the current API documents no `label` filter. */
  label?: string;
  limit?: number;
}

export interface ResultQuery {
  userId?: string;
  limit?: number;
}

export interface MembershipQuery {
  /** Short (`Learner`) or full LIS role URI. */
  role?: string;
  resourceLinkId?: string;
  limit?: number;
}

export interface MembershipList {
  id?: string;
  context: MembershipContext;
  members: Member[];
}

export interface PostScoreResult {
  requestId: string;
  /** The LMS's `X-Rate-Limit-Remaining` (Canvas), for pacing. */
  rateLimitRemaining: number | undefined;
}

type Query = Record<string, string | number | undefined>;
type Paged = { next?: string };

/**
 * The only way this system speaks to LTIAAS. Each method picks its own
 * Authorization header from what the caller holds, validates every answer,
 * and throws LtiaasError subclasses whose `kind` says what to do next. It
 * never retries: the caller owns ordering and backoff.
 */
export class LtiaasClient {
  private readonly clock: Clock;
  private readonly auth: LtiaasAuth;
  private readonly http: LtiaasHttp;

  constructor(options: LtiaasClientOptions) {
    this.clock = options.clock ?? systemClock;
    this.auth = new LtiaasAuth(options.apiKey, {
      clock: this.clock,
      ltikSafetyMarginMs: options.ltikSafetyMarginMs ?? LTIAAS_CLIENT_DEFAULTS.ltikSafetyMarginMs,
    });
    const logger = options.logger ?? createLogger({ app: 'ltiaas-client', level: process.env.LOG_LEVEL ?? 'info' });
    this.http = new LtiaasHttp({
      baseUrl: options.baseUrl,
      connections: options.connections ?? LTIAAS_CLIENT_DEFAULTS.connections,
      headersTimeoutMs: options.headersTimeoutMs ?? LTIAAS_CLIENT_DEFAULTS.headersTimeoutMs,
      bodyTimeoutMs: options.bodyTimeoutMs ?? LTIAAS_CLIENT_DEFAULTS.bodyTimeoutMs,
      logger: logger.child({ component: 'LtiaasClient' }),
      clock: this.clock,
      onResponse: options.onResponse,
    });
  }

  /** The formatted ID token. A bare token string counts as just issued (the launch redirect brought it). */
  getIdToken(ltik: string | HeldLtik, call?: CallOptions): Promise<IdToken> {
    const held = typeof ltik === 'string' ? { token: ltik, issuedAt: this.clock.now() } : ltik;
    return this.fetchJson('idtoken', { ltik: held }, 'GET', '/api/idtoken', idTokenSchema, undefined, call);
  }

  async listLineItems(cred: LtiaasCredential, query: LineItemQuery = {}, call?: CallOptions): Promise<LineItem[]> {
    const items: LineItem[] = [];
    const { label, ...filters } = query;
    for await (const page of this.pages('line-items', cred, '/api/lineitems', { ...filters, label }, lineItemPageSchema, call)) {
      for (const item of page.lineItems) if (label === undefined || item.label === label) items.push(item);
    }
    return items;
  }

  getLineItem(cred: LtiaasCredential, lineItemId: string, call?: CallOptions): Promise<LineItem> {
    return this.fetchJson('line-items', cred, 'GET', lineItemPath(lineItemId), lineItemSchema, undefined, call);
  }

  createLineItem(cred: LtiaasCredential, lineItem: LineItemInput, call?: CallOptions): Promise<LineItem> {
    return this.fetchJson('line-items', cred, 'POST', '/api/lineitems', lineItemSchema, JSON.stringify(lineItem), call);
  }

  /** Full replacement: fields left out are removed from the line item. */
  updateLineItem(cred: LtiaasCredential, lineItemId: string, lineItem: LineItemInput, call?: CallOptions): Promise<LineItem> {
    return this.fetchJson('line-items', cred, 'PUT', lineItemPath(lineItemId), lineItemSchema, JSON.stringify(lineItem), call);
  }

  async deleteLineItem(cred: LtiaasCredential, lineItemId: string, call?: CallOptions): Promise<void> {
    await this.exchange('line-items', cred, 'DELETE', lineItemPath(lineItemId), undefined, false, call);
  }

  async postScore(cred: LtiaasCredential, lineItemId: string, score: Score, call?: CallOptions): Promise<PostScoreResult> {
    const path = `/api/lineitems/${encodeURIComponent(lineItemId)}/scores`;
    const reply = await this.exchange('scores', cred, 'POST', path, JSON.stringify(score), false, call);
    return { requestId: reply.requestId, rateLimitRemaining: reply.rateLimitRemaining };
  }

  /**
   * Whether LTIAAS accepts the account API key itself (Bearer, `GET /admin/platforms`):
   * resolves when it does, throws LtiaasCredentialInvalidError when it refuses it.
   */
  async checkApiKey(call?: CallOptions): Promise<void> {
    await this.exchange('platforms', {}, 'GET', '/admin/platforms', undefined, false, call);
  }

  /** AGS results, read through LTIAAS's `GET …/scores` (there is no `/results` path). */
  async getResults(cred: LtiaasCredential, lineItemId: string, query: ResultQuery = {}, call?: CallOptions): Promise<LtiaasResult[]> {
    const results: LtiaasResult[] = [];
    const path = `/api/lineitems/${encodeURIComponent(lineItemId)}/scores`;
    for await (const page of this.pages('results', cred, path, { ...query }, resultPageSchema, call)) results.push(...page.scores);
    return results;
  }

  async listMemberships(cred: LtiaasCredential, query: MembershipQuery = {}, call?: CallOptions): Promise<MembershipList> {
    let list: MembershipList | undefined;
    for await (const page of this.iterateMemberships(cred, query, call)) {
      if (!list) list = { id: page.id, context: page.context, members: page.members };
      else for (const member of page.members) list.members.push(member);
    }
    return list!;
  }

  /** Page by page, so a caller can stream a large roster without holding it. */
  iterateMemberships(cred: LtiaasCredential, query: MembershipQuery = {}, call?: CallOptions): AsyncGenerator<MembershipPage> {
    return this.pages('memberships', cred, '/api/memberships', { ...query }, membershipPageSchema, call);
  }

  /** Lets in-flight requests finish, then closes the connection pool. */
  close(): Promise<void> {
    return this.http.close();
  }

  /**
   * Follows `next` by calling the same endpoint with `?url=` (reference §4).
   * The header is chosen again per page, so a long walk moves from an ageing
   * ltik to the serviceKey instead of failing midway.
   */
  private async *pages<S extends z.ZodType<Paged>>(
    endpoint: EndpointClass,
    cred: LtiaasCredential,
    path: string,
    query: Query,
    schema: S,
    call: CallOptions | undefined,
  ): AsyncGenerator<z.output<S>> {
    const search = queryString(query);
    let target = search ? `${path}?${search}` : path;
    const seen = new Set<string>();
    for (;;) {
      const page = await this.fetchJson(endpoint, cred, 'GET', target, schema, undefined, call);
      yield page;
      const next = page.next;
      if (!next) return;
      if (seen.has(next)) {
        throw new LtiaasInvalidResponseError(`LTIAAS GET ${path} returned the same next page twice`, { method: 'GET', path });
      }
      seen.add(next);
      target = `${path}?url=${encodeURIComponent(next)}`;
    }
  }

  private async fetchJson<S extends z.ZodType>(
    endpoint: EndpointClass,
    cred: LtiaasCredential,
    method: HttpMethod,
    path: string,
    schema: S,
    body: string | undefined,
    call: CallOptions | undefined,
  ): Promise<z.output<S>> {
    const reply = await this.exchange(endpoint, cred, method, path, body, true, call);
    const parsed = schema.safeParse(reply.json);
    if (parsed.success) return parsed.data;
    throw malformed(method, path, reply, parsed.error);
  }

  private exchange(
    endpoint: EndpointClass,
    cred: LtiaasCredential,
    method: HttpMethod,
    path: string,
    body: string | undefined,
    expectJson: boolean,
    call: CallOptions | undefined,
  ): Promise<HttpReply> {
    const choice = this.auth.choose(endpoint, cred);
    if (!choice.ok) return Promise.reject(choice.error);
    return this.http.send({ method, path, authorization: choice.header, scheme: choice.scheme, body, expectJson, requestId: call?.requestId });
  }
}

function lineItemPath(lineItemId: string): string {
  return `/api/lineitems/${encodeURIComponent(lineItemId)}`;
}

function queryString(query: Query): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(name, String(value));
  return params.toString();
}

function malformed(method: HttpMethod, path: string, reply: HttpReply, error: z.ZodError): LtiaasInvalidResponseError {
  const issues = error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
  const bare = loggableUrl(path) ?? path;
  return new LtiaasInvalidResponseError(`LTIAAS ${method} ${bare} answered ${reply.status} with an unexpected body: ${issues}`, {
    method,
    path: bare,
    requestId: reply.requestId,
    status: reply.status,
  });
}
