// A vault running in-process on its own database, and a small "probe" app
// that verifies vault tokens over HTTP exactly as grading does (remote JWKS),
// recording which handlers were reached.
import { Controller, Get, Module, UseGuards } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { importJWK, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { Client } from 'pg';
import { AuthModule, authOptions, JwtAuthGuard, Principal, Scopes, type AuthPrincipal } from '@app/auth';
import { createHttpApp } from '@app/http';
import { ObservabilityModule } from '@app/observability';
import { EnvelopeCipher, LocalKeyring, masterKeysSchema, type SealedSecret } from '../../apps/credential-vault/src/crypto';
import { createVaultApp } from '../../apps/credential-vault/src/main';
import { listeningUrl } from '../support/auth';
import { createTestDatabase, dropTestDatabase, kafkaBrokers, testTopicPrefix } from '../support/infra';
import { vaultSecretsEnv } from '../support/vault-env';

export interface TestVault {
  app: NestFastifyApplication;
  url: string;
  env: Record<string, string>;
  databaseUrl: string;
  db: Client;
  close(): Promise<void>;
}

export async function startTestVault(suite: string, overrides: Record<string, string> = {}): Promise<TestVault> {
  const databaseUrl = await createTestDatabase(suite);
  const env: Record<string, string> = {
    ...(await vaultSecretsEnv()),
    DATABASE_URL: databaseUrl,
    KAFKA_BROKERS: kafkaBrokers(),
    KAFKA_TOPIC_PREFIX: testTopicPrefix(),
    LOG_LEVEL: 'error',
    // As behind one ingress: the suites play several clients through X-Forwarded-For.
    TRUST_PROXY_HOPS: '1',
    // The suites read the OpenAPI document too.
    DOCS_ENABLED: 'true',
    ...overrides,
  };
  const { app } = await createVaultApp(env);
  await app.listen(0, '127.0.0.1');
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  return {
    app,
    url: listeningUrl(app),
    env,
    databaseUrl,
    db,
    async close() {
      await db.end();
      await app.close();
      await dropTestDatabase(databaseUrl);
    },
  };
}

export interface SigningKeyMaterial {
  kid: string;
  key: CryptoKey;
}

/** The vault's active private signing key, opened with the suite's master key: to sign tokens a test shapes itself. */
export async function activeSigningKey(vault: TestVault): Promise<SigningKeyMaterial> {
  const { rows } = await vault.db.query<{ kid: string; alg: string; private_key: SealedSecret }>(
    `SELECT kid, alg, private_key FROM vault.signing_keys WHERE activated_at IS NOT NULL AND retired_at IS NULL`,
  );
  const cipher = new EnvelopeCipher(new LocalKeyring(masterKeysSchema.parse(vault.env.VAULT_MASTER_KEYS)));
  const jwk = JSON.parse(await cipher.decrypt(rows[0].private_key, `vault.signing_keys:${rows[0].kid}`)) as JWK;
  return { kid: rows[0].kid, key: (await importJWK(jwk, rows[0].alg)) as CryptoKey };
}

/** A token shaped like the vault's, with any claim or header overridden. */
export function signToken(material: SigningKeyMaterial, claims: JWTPayload = {}, header: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ scope: 'scores:write', ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: material.kid, typ: 'at+jwt', ...header })
    .setIssuer((claims.iss as string) ?? 'credential-vault')
    .setAudience((claims.aud as string) ?? 'lti-grading')
    .setSubject((claims.sub as string) ?? 'forged-grader')
    .setIssuedAt((claims.iat as number) ?? now)
    .setExpirationTime((claims.exp as number) ?? now + 600)
    .sign(material.key);
}

export interface ProbeApp {
  url: string;
  /** Handler names, in the order they ran. */
  reached: string[];
  close(): Promise<void>;
}

/** An app of its own that trusts the vault's tokens via VAULT_URL/.well-known/jwks.json. */
export async function startProbeApp(vaultUrl: string): Promise<ProbeApp> {
  const reached: string[] = [];

  @Controller('probe')
  @UseGuards(JwtAuthGuard)
  class ProbeController {
    @Get('any')
    any(@Principal() principal: AuthPrincipal) {
      reached.push('any');
      return { handle: principal.handle, scopes: principal.scopes };
    }

    @Get('write')
    @Scopes('scores:write')
    write() {
      reached.push('write');
      return { ok: true };
    }

    @Get('admin')
    @Scopes('admin')
    admin() {
      reached.push('admin');
      return { ok: true };
    }
  }

  @Module({
    imports: [
      ObservabilityModule.forApp('probe', 'error'),
      AuthModule.forRoot(authOptions({ VAULT_URL: vaultUrl, JWT_ISSUER: 'credential-vault', JWT_AUDIENCE: 'lti-grading' })),
    ],
    controllers: [ProbeController],
  })
  class ProbeModule {}

  const app = await createHttpApp(ProbeModule, { name: 'probe' });
  await app.listen(0, '127.0.0.1');
  return { url: listeningUrl(app), reached, close: () => app.close() };
}

/** fetch, answering status, JSON body and headers. */
export async function call(
  url: string,
  init: { method?: string; token?: string; apiKey?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { ...init.headers };
  const bearer = init.token ?? init.apiKey;
  if (bearer !== undefined) headers.authorization = `Bearer ${bearer}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}
