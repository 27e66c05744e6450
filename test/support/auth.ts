// Helpers for suites that need vault tokens: create an API key with the
// bootstrap admin key and exchange keys for tokens, against a running vault
// (in-process or not). Plain fetch, so any suite can use them.
import { randomBytes } from 'node:crypto';

export interface TokenAnswer {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

export interface CreatedKey {
  handle: string;
  alias: string | null;
  scopes: string[];
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  apiKey: string;
}

export interface TestCaller {
  handle: string;
  apiKey: string;
  token: string;
  /** `{ authorization: 'Bearer <token>' }`, ready to spread into request headers. */
  headers: { authorization: string };
}

/** Exchanges an API key (or the bootstrap key) at POST /v1/token; throws with the vault's answer when refused. */
export async function exchangeApiKey(vaultUrl: string, apiKey: string): Promise<TokenAnswer> {
  const response = await fetch(new URL('/v1/token', vaultUrl), { method: 'POST', headers: { authorization: `Bearer ${apiKey}` } });
  const body = (await response.json()) as TokenAnswer & { message?: string };
  if (response.status !== 200) throw new Error(`token exchange refused (${response.status}): ${body.message}`);
  return body;
}

/** POST /v1/keys with an admin token; the answer carries the key's secret (`apiKey`). */
export async function createApiKey(vaultUrl: string, adminToken: string, key: { handle: string; scopes: string[]; alias?: string }): Promise<CreatedKey> {
  const response = await fetch(new URL('/v1/keys', vaultUrl), {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(key),
  });
  const body = (await response.json()) as CreatedKey & { message?: unknown };
  if (response.status !== 201) throw new Error(`creating API key ${key.handle} failed (${response.status}): ${JSON.stringify(body.message)}`);
  return body;
}

/** A fresh handle for a test key, e.g. `test-grader-1a2b3c4d`. */
export const testHandle = (stem = 'test'): string => `${stem}-${randomBytes(4).toString('hex')}`;

/**
 * A new API key with `scopes`, created with the bootstrap admin key, and a
 * token for it: what a grader or a service would hold.
 */
export async function callerWithScopes(vaultUrl: string, bootstrapAdminKey: string, scopes: string[], handle = testHandle()): Promise<TestCaller> {
  const admin = await exchangeApiKey(vaultUrl, bootstrapAdminKey);
  const created = await createApiKey(vaultUrl, admin.access_token, { handle, scopes });
  const token = (await exchangeApiKey(vaultUrl, created.apiKey)).access_token;
  return { handle, apiKey: created.apiKey, token, headers: { authorization: `Bearer ${token}` } };
}

/** The base URL of an app listening in-process (after `app.listen(0, '127.0.0.1')`). */
export function listeningUrl(app: { getHttpServer(): { address(): unknown } }): string {
  const address = app.getHttpServer().address() as { port: number };
  return `http://127.0.0.1:${address.port}`;
}
