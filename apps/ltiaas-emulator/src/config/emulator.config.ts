import { loadConfig } from '@app/config';
import { z } from 'zod';
import { FaultsConfig, FaultsConfigSchema } from '../faults/fault-config';

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const httpUrl = z.url({ protocol: /^https?$/ });

const faultsJson = z.string().transform((text, ctx) => {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'not valid JSON' });
    return z.NEVER;
  }
  const parsed = FaultsConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    ctx.addIssue({ code: 'custom', message: `${first.path.join('.') || '(root)'}: ${first.message}` });
    return z.NEVER;
  }
  return parsed.data;
});

const EnvSchema = z.object({
  EMULATOR_PORT: int(0, 65535).default(3100),
  EMULATOR_HOST: z.string().min(1).default('0.0.0.0'),
  /** Base of line-item and paging URLs; default http://127.0.0.1:<port>. */
  EMULATOR_PUBLIC_URL: httpUrl.optional(),
  LTIAAS_API_KEY: z.string().min(1).default('emulator-api-key'),
  EMULATOR_ADMIN_KEY: z.string().min(8, 'at least 8 characters').optional(),
  EMULATOR_SEED: z
    .string()
    .regex(/^-?\d+$/, 'expected an integer')
    .transform(Number)
    .default(1),
  EMULATOR_FAULTS: faultsJson.optional(),
  EMULATOR_LAUNCH_TARGET: httpUrl.default('http://127.0.0.1:3001/launch'),
  EMULATOR_PAGE_SIZE: int(1, 10000).default(50),
  EMULATOR_REQUEST_LOG_SIZE: int(1, 1_000_000).default(1000),
  EMULATOR_RATE_LIMIT_HEADERS: z.enum(['true', 'false']).default('true'),
});

export interface EmulatorConfig {
  port: number;
  host: string;
  publicUrl?: string;
  apiKey: string;
  /** Unset: the admin API is off (404). */
  adminKey?: string;
  seed: number;
  faults: FaultsConfig;
  launchTarget: string;
  pageSize: number;
  requestLogSize: number;
  /** false: `Retry-After` and `X-Rate-Limit-Remaining` never reach the client, as with real LTIAAS. */
  rateLimitHeaders: boolean;
}

/**
 * Reads the emulator's environment; a bad value throws `@app/config`'s
 * ConfigError, whose one-line message names the variable.
 */
export function parseEmulatorConfig(env: Record<string, string | undefined>): EmulatorConfig {
  // An empty variable means "not set", as shells and compose files tend to leave them.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const e = loadConfig(EnvSchema, cleaned);
  return {
    port: e.EMULATOR_PORT,
    host: e.EMULATOR_HOST,
    publicUrl: e.EMULATOR_PUBLIC_URL?.replace(/\/+$/, ''),
    apiKey: e.LTIAAS_API_KEY,
    adminKey: e.EMULATOR_ADMIN_KEY,
    seed: e.EMULATOR_SEED,
    faults: e.EMULATOR_FAULTS ?? { rules: [] },
    launchTarget: e.EMULATOR_LAUNCH_TARGET,
    pageSize: e.EMULATOR_PAGE_SIZE,
    requestLogSize: e.EMULATOR_REQUEST_LOG_SIZE,
    rateLimitHeaders: e.EMULATOR_RATE_LIMIT_HEADERS === 'true',
  };
}

/** Nest injection token for the parsed configuration. */
export const EMULATOR_CONFIG = Symbol('EMULATOR_CONFIG');
