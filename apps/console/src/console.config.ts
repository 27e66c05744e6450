import { join } from 'node:path';
import { z } from 'zod';
import { httpUrl, port } from '@app/config';

/** Where `node scripts/build.mjs` puts the built page, beside the compiled server. */
export const DEFAULT_STATIC_DIR = join(__dirname, '..', 'public');

export const consoleEnv = z.object({
  CONSOLE_PORT: port(3004),
  HOST: z.string().default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  /** The vault the console's /api/vault/* reaches (token exchange, API keys). */
  VAULT_URL: httpUrl,
  /** Grading, which /api/grading/* reaches (sync state, learners, dead letters). */
  GRADING_URL: httpUrl,
  /** How long the console waits on the vault or grading before it answers 504. */
  CONSOLE_UPSTREAM_TIMEOUT_MS: z.coerce.number().int().positive().max(120000).default(15000),
  /** The built page (index.html and assets/); checked at start-up, since a console without it serves nothing useful. */
  CONSOLE_STATIC_DIR: z.string().min(1).default(DEFAULT_STATIC_DIR),
});
export type ConsoleConfig = z.infer<typeof consoleEnv>;
export const CONSOLE_CONFIG = Symbol('CONSOLE_CONFIG');
