import type { JSONWebKeySet } from 'jose';
import { z } from 'zod';
import { serviceUrl } from '@app/http';

/** Where a verifier gets the vault's public keys: over HTTP in every app, from its own database in the vault. */
export interface JwksSource {
  load(): Promise<JSONWebKeySet>;
}

const jwksDocument = z.object({ keys: z.array(z.record(z.string(), z.unknown())) });

/** `GET {vaultUrl}/.well-known/jwks.json`, with a timeout; a non-2xx or malformed answer throws. */
export class RemoteJwksSource implements JwksSource {
  readonly url: string;

  constructor(
    vaultUrl: string,
    private readonly timeoutMs = 3000,
  ) {
    this.url = serviceUrl(vaultUrl, '/.well-known/jwks.json').toString();
  }

  async load(): Promise<JSONWebKeySet> {
    const response = await fetch(this.url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(this.timeoutMs) });
    if (!response.ok) throw new Error(`JWKS request to ${this.url} answered ${response.status}`);
    const parsed = jwksDocument.safeParse(await response.json());
    if (!parsed.success) throw new Error(`JWKS at ${this.url} is not a key set`);
    return parsed.data as JSONWebKeySet;
  }
}

/** A fixed key set: benchmarks, and apps handed their keys some other way. */
export class StaticJwksSource implements JwksSource {
  constructor(private readonly jwks: JSONWebKeySet) {}

  load(): Promise<JSONWebKeySet> {
    return Promise.resolve(this.jwks);
  }
}
