// Reading the deployment files the way their tools do, for the specs beside.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import { consoleEnv } from '../../apps/console/src/console.config';
import { vaultEnv } from '../../apps/credential-vault/src/vault.config';
import { gradingEnv } from '../../apps/grading/src/grading.config';
import { launchEnv } from '../../apps/launch/src/launch.config';

export const ROOT = join(__dirname, '..', '..');

export const readText = (relative: string): string => readFileSync(join(ROOT, relative), 'utf8');

/** One YAML document, with `<<` merge keys applied as Compose applies them. */
export const readYaml = <T = unknown>(relative: string): T => parse(readText(relative), { merge: true }) as T;

export const readYamlDocuments = <T = unknown>(relative: string): T[] =>
  parseAllDocuments(readText(relative), { merge: true }).map((doc) => {
    if (doc.errors.length) throw new Error(`${relative}: ${doc.errors[0].message}`);
    return doc.toJS() as T;
  });

export interface AppSpec {
  name: 'launch' | 'credential-vault' | 'grading' | 'console';
  schema: z.ZodType;
  portVar: 'LAUNCH_PORT' | 'VAULT_PORT' | 'GRADING_PORT' | 'CONSOLE_PORT';
  defaultPort: number;
  /** Uses PostgreSQL and Kafka (the console uses neither: it talks to the vault and grading only). */
  infrastructure: boolean;
}

/** The deployed apps, each with the zod schema that reads its environment at boot. */
export const APPS: AppSpec[] = [
  { name: 'launch', schema: launchEnv, portVar: 'LAUNCH_PORT', defaultPort: 3001, infrastructure: true },
  { name: 'credential-vault', schema: vaultEnv, portVar: 'VAULT_PORT', defaultPort: 3002, infrastructure: true },
  { name: 'grading', schema: gradingEnv, portVar: 'GRADING_PORT', defaultPort: 3003, infrastructure: true },
  { name: 'console', schema: consoleEnv, portVar: 'CONSOLE_PORT', defaultPort: 3004, infrastructure: false },
];

/** The apps that use PostgreSQL and Kafka. */
export const INFRASTRUCTURE_APPS = APPS.filter((a) => a.infrastructure);

export const SECRET_KEYS = [
  'VAULT_MASTER_KEYS',
  'VAULT_SEAL_PRIVATE_JWK',
  'VAULT_SEAL_PUBLIC_JWK',
  'LAUNCH_SIGNING_PRIVATE_JWK',
  'LAUNCH_SIGNING_PUBLIC_JWKS',
  'BOOTSTRAP_ADMIN_API_KEY',
  'GRADING_API_KEY',
  'LTIAAS_API_KEY',
  'DATABASE_URL',
  'MIGRATIONS_URL',
] as const;

/**
 * Compose variable interpolation (https://docs.docker.com/reference/compose-file/interpolation/):
 * `$$`, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`,
 * `${VAR?error}`, `${VAR:+alt}`, `${VAR+alt}`, defaults nested to any depth.
 */
export function interpolate(text: string, env: Record<string, string | undefined> = {}): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch !== '$') {
      out += ch;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next !== '{') {
      const bare = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1));
      if (!bare) throw new Error(`invalid interpolation at ${i} in ${text}`);
      out += env[bare[0]] ?? '';
      i += 1 + bare[0].length;
      continue;
    }
    const close = matchingBrace(text, i + 1);
    const body = text.slice(i + 2, close);
    const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/.exec(body);
    if (!match) throw new Error(`invalid interpolation \${${body}}`);
    const [, name, operator, argument = ''] = match;
    const value = env[name];
    const unset = operator?.startsWith(':') ? value === undefined || value === '' : value === undefined;
    switch (operator?.replace(':', '')) {
      case undefined:
        out += value ?? '';
        break;
      case '-':
        out += unset ? interpolate(argument, env) : value;
        break;
      case '+':
        out += unset ? '' : interpolate(argument, env);
        break;
      case '?':
        if (unset) throw new Error(`required variable ${name} is missing: ${interpolate(argument, env)}`);
        out += value;
        break;
    }
    i = close + 1;
  }
  return out;
}

function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return i;
  }
  throw new Error(`unclosed \${ in ${text}`);
}

/**
 * Real secrets of the right shape, made by the same script docker compose
 * runs (deploy/docker/generate-local-secrets.mjs), plus stand-ins for those
 * only a running system can issue.
 */
export function sampleSecrets(): { files: Record<string, string>; values: Record<(typeof SECRET_KEYS)[number], string> } {
  const dir = mkdtempSync(join(tmpdir(), 'lti-secrets-'));
  try {
    execFileSync(process.execPath, [join(ROOT, 'deploy/docker/generate-local-secrets.mjs')], { env: { PATH: process.env.PATH, SECRETS_DIR: dir }, stdio: 'pipe' });
    const files = Object.fromEntries(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name), 'utf8')]));
    return {
      files,
      values: {
        VAULT_MASTER_KEYS: files.VAULT_MASTER_KEYS,
        VAULT_SEAL_PRIVATE_JWK: files.VAULT_SEAL_PRIVATE_JWK,
        VAULT_SEAL_PUBLIC_JWK: files.VAULT_SEAL_PUBLIC_JWK,
        LAUNCH_SIGNING_PRIVATE_JWK: files.LAUNCH_SIGNING_PRIVATE_JWK,
        LAUNCH_SIGNING_PUBLIC_JWKS: files.LAUNCH_SIGNING_PUBLIC_JWKS,
        BOOTSTRAP_ADMIN_API_KEY: files.BOOTSTRAP_ADMIN_API_KEY,
        // Issued by the vault at run time.
        GRADING_API_KEY: 'ltig_issued-by-the-vault-at-run-time',
        LTIAAS_API_KEY: 'sample-ltiaas-api-key',
        DATABASE_URL: 'postgres://lti_grading:secret@db.internal:5432/lti_grading',
        MIGRATIONS_URL: 'postgres://lti_migrator:secret@db.internal:5432/lti_grading',
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `http://host:port/...` → { host, port }, with the scheme's port when none is written. */
export function hostAndPort(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80)) };
}
