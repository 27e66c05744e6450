import { backoffDelay, sleep } from '@app/async';

const CONFLICT_CODES = new Set(['40P01', '40001']); // deadlock_detected, serialization_failure

/**
 * Runs a transaction again, after a few jittered milliseconds (so the two
 * sides of a deadlock do not meet again), when PostgreSQL aborted it to break
 * a deadlock (ingest upserts and delivery results touch the same rows in
 * different orders); other errors, and the fifth conflict in a row, go to
 * the caller.
 */
export async function retryOnConflict<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const code = (error as { code?: string; driverError?: { code?: string } }).code ?? (error as { driverError?: { code?: string } }).driverError?.code;
      if (!code || !CONFLICT_CODES.has(code) || attempt >= attempts) throw error;
      await sleep(backoffDelay(attempt, { baseMs: 20, maxMs: 80 }));
    }
  }
}
