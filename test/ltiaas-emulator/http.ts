// Plain HTTP for the conformance suite: no client library, so what is tested is the wire.
import type { EmulatorHandle } from '../support/emulator';

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  // Tests look into bodies freely; the assertions are the validation.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export async function call(
  base: string,
  method: string,
  path: string,
  opts: { auth?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.auth !== undefined) headers.authorization = opts.auth;
  if (opts.body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, text, body };
}

export const ltikAuth = (em: EmulatorHandle, ltik: string): string => `LTIK-AUTH-V2 ${em.apiKey}:${ltik}`;
export const serviceAuth = (em: EmulatorHandle, key: string): string => `SERVICE-AUTH-V1 ${em.apiKey}:${key}`;
export const bearer = (em: EmulatorHandle): string => `Bearer ${em.apiKey}`;

export const lineItemPath = (id: string, suffix = ''): string => `/api/lineitems/${encodeURIComponent(id)}${suffix}`;

export const INVALID_LTIK = {
  status: 401,
  error: 'Unauthorized',
  details: { message: 'INVALID_LTIK_AUTH_AUTHORIZATION_HEADER', description: 'Invalid or expired ltik.' },
};

export const INVALID_API_KEY = {
  status: 401,
  error: 'Unauthorized',
  details: { message: 'INVALID_LTIK_AUTH_AUTHORIZATION_HEADER', description: 'Invalid API key' },
};

export const score = (userId: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  userId,
  activityProgress: 'Completed',
  gradingProgress: 'FullyGraded',
  scoreGiven: 7,
  scoreMaximum: 10,
  ...extra,
});
