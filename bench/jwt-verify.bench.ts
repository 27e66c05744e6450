// JWT verification as every app runs it: the real JwtAuthGuard (bearer
// parsing, algorithm pinning, kid lookup, ES256 signature and claim checks,
// scope check) with a warmed key set, no HTTP. Prints one JSON line per figure:
// - reused-tokens: 1,000 callers presenting their tokens again and again, as
//   graders and services do for a token's 15-minute life (the verified-token
//   cache answers after the first check);
// - reused-tokens-revocation-list: the same, with grading's revocation check
//   (RevocationList: the revoked key ids polled from the vault, kept in memory);
// - first-sight: every token is new to the verifier (cache off), so each one
//   pays for a full ES256 signature verification.
// Run after the build: node dist/bench/jwt-verify.bench.js
import { performance } from 'node:perf_hooks';
import { Controller, Get, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { createJwtVerifier, JwtAuthGuard, RevocationList, Scopes, StaticJwksSource, type JwtVerifier } from '@app/auth';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const CALLERS = 1_000;
const FRESH_TOKENS = Number(process.env.BENCH_FRESH_TOKENS ?? 20_000);
const TARGET = 20_000;
const ISSUER = 'credential-vault';
const AUDIENCE = 'lti-grading';

@Controller('scores')
class ScoresController {
  @Get()
  @Scopes('scores:write')
  ingest(): void {}
}

async function main(): Promise<void> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'bench-key', alg: 'ES256', use: 'sig' }] };
  const sign = (i: number) => token(privateKey, `grader-${i}`);

  const reused = await Promise.all(Array.from({ length: CALLERS }, (_, i) => sign(i)));
  const cached = await guardFor(createJwtVerifier({ issuer: ISSUER, audience: AUDIENCE, keySource: new StaticJwksSource(jwks) }), reused);
  report('reused-tokens', await measure(cached.guard, (n) => cached.context(reused[n % CALLERS])));

  // Never started: the list stays as it is, so no request leaves the process, as between two polls.
  const revocation = new RevocationList({ vaultUrl: 'http://127.0.0.1:9', tokens: { getToken: async () => 'unused', invalidate: () => undefined } });
  const checked = await guardFor(createJwtVerifier({ issuer: ISSUER, audience: AUDIENCE, keySource: new StaticJwksSource(jwks), revocation }), reused);
  report('reused-tokens-revocation-list', await measure(checked.guard, (n) => checked.context(reused[n % CALLERS])));

  const fresh: string[] = [];
  for (let i = 0; i < FRESH_TOKENS; i += 1_000) fresh.push(...(await Promise.all(Array.from({ length: 1_000 }, (_, j) => sign(CALLERS + i + j)))));
  const uncached = await guardFor(createJwtVerifier({ issuer: ISSUER, audience: AUDIENCE, keySource: new StaticJwksSource(jwks), cacheSize: 0 }), reused);
  report('first-sight', await measure(uncached.guard, (n) => uncached.context(fresh[n % fresh.length])));
}

function token(key: CryptoKey, subject: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ scope: 'scores:write scores:read', akid: `key-${subject}` })
    .setProtectedHeader({ alg: 'ES256', kid: 'bench-key', typ: 'at+jwt' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(subject)
    .setIssuedAt(now)
    .setExpirationTime(now + 900)
    .sign(key);
}

async function guardFor(verifier: JwtVerifier, warmWith: string[]) {
  const guard = new JwtAuthGuard(verifier, new Reflector());
  const handler = ScoresController.prototype.ingest;
  const reply = { header: () => reply };
  const context = (bearer: string): ExecutionContext =>
    new ExecutionContextHost([{ headers: { authorization: `Bearer ${bearer}` } }, reply, undefined], ScoresController, handler);
  // Warm-up: the key set is loaded and, for the cached guard, every caller's token verified once.
  for (const t of warmWith) await guard.canActivate(context(t));
  return { guard, context };
}

async function measure(guard: JwtAuthGuard, contextFor: (n: number) => ExecutionContext): Promise<{ verifications: number; seconds: number }> {
  let issued = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const started = performance.now();
  const worker = async () => {
    while (performance.now() < deadline) {
      const n = issued++;
      if (!(await guard.canActivate(contextFor(n)))) throw new Error('guard refused a valid token');
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { verifications: issued, seconds: (performance.now() - started) / 1000 };
}

function report(mode: string, result: { verifications: number; seconds: number }): void {
  const perSecond = Math.round(result.verifications / result.seconds);
  process.stdout.write(
    `${JSON.stringify({
      bench: 'jwt-verify',
      mode,
      algorithm: 'ES256',
      concurrency: CONCURRENCY,
      verifications: result.verifications,
      seconds: Math.round(result.seconds * 1000) / 1000,
      verifications_per_second: perSecond,
      target_per_second: TARGET,
      meets_target: perSecond >= TARGET,
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
