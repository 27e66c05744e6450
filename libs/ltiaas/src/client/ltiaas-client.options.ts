import { httpUrl, loadConfig, positiveInt } from '@app/config';
import type { Logger } from 'pino';
import { z } from 'zod';
import { DEFAULT_LTIK_SAFETY_MARGIN_MS } from '../auth/authorization';
import type { Clock } from '../auth/clock';
import type { LtiaasResponseEvent } from './ltiaas-http';

export interface LtiaasClientOptions {
  /** The account's LTIAAS URL, e.g. `https://your.ltiaas.com`. */
  baseUrl: string;
  apiKey: string;
  /** Upper bound on open sockets to LTIAAS. */
  connections?: number;
  headersTimeoutMs?: number;
  /** Longest silence allowed while a response body streams in. */
  bodyTimeoutMs?: number;
  ltikSafetyMarginMs?: number;
  clock?: Clock;
  /** Defaults to a redacting logger from @app/observability. */
  logger?: Logger;
  onResponse?: (event: LtiaasResponseEvent) => void;
}

export const LTIAAS_CLIENT_DEFAULTS = {
  connections: 128,
  headersTimeoutMs: 10_000,
  bodyTimeoutMs: 10_000,
  ltikSafetyMarginMs: DEFAULT_LTIK_SAFETY_MARGIN_MS,
} as const;

export const ltiaasEnvSchema = z.object({
  LTIAAS_URL: httpUrl,
  LTIAAS_API_KEY: z.string().min(1),
  LTIAAS_MAX_CONNECTIONS: positiveInt(LTIAAS_CLIENT_DEFAULTS.connections),
  LTIAAS_HEADERS_TIMEOUT_MS: positiveInt(LTIAAS_CLIENT_DEFAULTS.headersTimeoutMs),
  LTIAAS_BODY_TIMEOUT_MS: positiveInt(LTIAAS_CLIENT_DEFAULTS.bodyTimeoutMs),
  LTIAAS_LTIK_SAFETY_MARGIN_MS: z.coerce.number().int().min(0).default(LTIAAS_CLIENT_DEFAULTS.ltikSafetyMarginMs),
});
export type LtiaasEnv = z.infer<typeof ltiaasEnvSchema>;

/** Client options from `LTIAAS_*` variables; throws ConfigError naming the bad one. */
export function ltiaasOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): LtiaasClientOptions {
  const parsed = loadConfig(ltiaasEnvSchema, env);
  return {
    baseUrl: parsed.LTIAAS_URL,
    apiKey: parsed.LTIAAS_API_KEY,
    connections: parsed.LTIAAS_MAX_CONNECTIONS,
    headersTimeoutMs: parsed.LTIAAS_HEADERS_TIMEOUT_MS,
    bodyTimeoutMs: parsed.LTIAAS_BODY_TIMEOUT_MS,
    ltikSafetyMarginMs: parsed.LTIAAS_LTIK_SAFETY_MARGIN_MS,
  };
}
