import type { Session } from './session';

/** An answer other than 2xx, with the message the app gave. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Upstream = 'vault' | 'grading';

/** Every call leaves through the console's own origin (/api/<upstream>/...). */
export async function call<T>(upstream: Upstream, method: 'GET' | 'POST' | 'DELETE', path: string, options: { bearer?: string; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`/api/${upstream}${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body), credentials: 'omit', cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'The console did not answer. Check your connection.');
  }
  const text = await res.text();
  const body = text ? safeJson(text) : undefined;
  if (!res.ok) throw new ApiError(res.status, messageOf(body) ?? `HTTP ${res.status}`);
  return body as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function messageOf(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return typeof body === 'string' ? body.slice(0, 300) : undefined;
  const m = (body as { message?: unknown }).message;
  if (Array.isArray(m)) return m.join('; ');
  return typeof m === 'string' ? m : undefined;
}

/** A client bound to the signed-in operator; a 401 ends the session. */
export function client(session: Session, onExpired: () => void) {
  const bound =
    (upstream: Upstream) =>
    async <T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> => {
      try {
        return await call<T>(upstream, method, path, { bearer: session.token, body });
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) onExpired();
        throw error;
      }
    };
  return { vault: bound('vault'), grading: bound('grading') };
}
export type Client = ReturnType<typeof client>;

// ---- what the apps answer -------------------------------------------------

export interface TokenAnswer {
  access_token: string;
  expires_in: number;
  scope: string;
}

export interface Me {
  handle: string;
  scopes: string[];
  expiresAt: string;
}

export interface Check {
  ok: boolean;
  reason?: string;
  [field: string]: unknown;
}

export interface RunSummary {
  id: string;
  job: string;
  trigger: string;
  status: 'running' | 'succeeded' | 'failed' | 'interrupted';
  startedAt: string;
  finishedAt: string | null;
  rowsOffered: number;
  rowsDelivered: number;
  rowsFailed: number;
  rowsPending: number;
  contextsTotal: number;
  contextsDone: number;
  contextsSkipped: number;
  contextsFailed: number;
  error: string | null;
}

export interface Bucket {
  start: string;
  delivered: number;
  throttled: number;
  failed: number;
}

export interface Overview {
  status: Record<'gradeSync' | 'rosterRefresh' | 'backlog' | 'deadLetters' | 'staleCredentials', Check>;
  delivery: { since: string; bucketSeconds: number; platforms: Array<{ platformId: string; rate: number | null; buckets: Bucket[] }> };
  lastRuns: { gradeSync: RunSummary | null; rosterRefresh: RunSummary | null };
}

export type ScoreState = 'pending' | 'waiting-for-launch' | 'delivered' | 'superseded' | 'failed' | 'dead-lettered';

export interface Attempt {
  attemptedAt: string;
  outcome: string;
  statusCode: number | null;
  message: string | null;
  version: number;
}

export interface LearnerScore {
  id: string;
  platformId: string;
  contextId: string;
  resourceLinkId: string;
  lineItem: string;
  lineItemId: string | null;
  userId: string;
  scoreGiven: number | null;
  scoreMaximum: number | null;
  timestamp: string;
  state: ScoreState;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  receivedAt: string;
  deliveredAt: string | null;
  deadLetterId: string | null;
  history: Attempt[];
}

export interface LearnerAnswer {
  query: string;
  users: Array<{ userId: string; name: string | null; email: string | null; platformIds: string[] }>;
  scores: LearnerScore[];
}

export interface WaitingAnswer {
  contexts: Array<{ platformId: string; contextId: string; resourceLinkId: string; scores: number; waitingSince: string; credentialStaleAt: string | null; lastLaunchAt: string | null }>;
}

export interface DeadLetter {
  id: string;
  kind: 'delivery' | 'ingest';
  createdAt: string;
  reason: string;
  statusCode: number | null;
  platformId: string | null;
  contextId: string | null;
  resourceLinkId: string | null;
  userId: string | null;
  lineItemId: string | null;
  retriedAt: string | null;
}

export interface ApiKey {
  handle: string;
  alias: string | null;
  scopes: string[];
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
}
