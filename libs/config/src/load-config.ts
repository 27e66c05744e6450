import { z } from 'zod';

/**
 * Parses the environment once at boot. A missing or malformed variable stops
 * the process with one line that names it, so a misconfigured pod fails fast
 * and plainly instead of half-starting.
 */
export function loadConfig<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv = process.env): z.infer<T> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const variable = issue.path.join('.') || 'environment';
  throw new ConfigError(variable, issue.message);
}

export class ConfigError extends Error {
  constructor(readonly variable: string, reason: string) {
    super(`Invalid configuration: ${variable}: ${reason}`);
    this.name = 'ConfigError';
  }
}

/** Runs `main`, turning a ConfigError into a single stderr line and exit code 78 (EX_CONFIG). */
export function exitOnConfigError(error: unknown): never {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  }
  throw error;
}
