import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { rowsOf } from '@app/database';
import type { WindowStats } from './aimd';

export interface BudgetDefaults {
  rate: number;
  burst: number;
}

/** What one replica saw of a platform since its last report. */
export interface WindowReport {
  ok: number;
  throttled: number;
  /** Callers queued for tokens here: the budget, not demand, was the limit. */
  saturated: boolean;
  /** The LMS's `X-Rate-Limit-Remaining`, last seen. */
  remaining?: number;
}

/** The cluster's window so far, as one report answers it. */
export interface SharedWindow {
  rate: number;
  ok: number;
  throttled: number;
  /** The window has lasted its length: time for the one decision. */
  due: boolean;
  /** How long ago (database time) the rate was last lowered, by any replica. */
  sinceDecreaseMs?: number;
}

/** A window being closed: what the cluster saw in it, and the rate it was at. */
export interface ClosedWindow {
  rate: number;
  stats: WindowStats;
  sinceDecreaseMs?: number;
}

export interface Grant {
  /** Whole tokens granted to this caller (0..requested). */
  granted: number;
  /** Tokens left in the shared bucket after the grant (fractional). */
  left: number;
  /** The platform's current shared rate, requests per second. */
  rate: number;
}

// Tokens available now: what was left plus the refill since, capped at the burst.
const AVAILABLE = `LEAST(b.burst, b.tokens + b.rate * GREATEST(0, EXTRACT(EPOCH FROM now() - b.refilled_at)))`;

/**
 * One token bucket per platform, shared by every grading replica through
 * its row: refilled by elapsed time at the platform's current rate, taken in
 * chunks with one upsert. The rate itself is the AIMD state, decided once
 * per window for the whole cluster from the answers every replica saw.
 */
@Injectable()
export class PlatformBudgetRepository {
  constructor(private readonly db: DataSource) {}

  async take(platformId: string, wanted: number, defaults: BudgetDefaults): Promise<Grant> {
    const [row]: Array<{ last_granted: number; tokens: number; rate: number }> = await this.db.query(
      `INSERT INTO grading.platform_budgets AS b (platform_id, tokens, rate, burst, refilled_at, last_granted)
       VALUES ($1, $3::float8 - LEAST($2::float8, $3::float8), $4, $3, now(), LEAST($2::float8, $3::float8))
       ON CONFLICT (platform_id) DO UPDATE SET
         last_granted = LEAST($2::float8, FLOOR(${AVAILABLE})),
         tokens = ${AVAILABLE} - LEAST($2::float8, FLOOR(${AVAILABLE})),
         refilled_at = GREATEST(now(), b.refilled_at)
       RETURNING last_granted, tokens, rate`,
      [platformId, wanted, defaults.burst, defaults.rate],
    );
    return { granted: Math.max(0, Math.floor(row.last_granted)), left: row.tokens, rate: row.rate };
  }

  /**
   * Adds what this replica saw since its last report to the platform's
   * shared window, and answers the window's totals so far: every replica
   * judges a flood from what the whole cluster saw, not from its own share.
   */
  async report(platformId: string, seen: WindowReport, windowMs: number): Promise<SharedWindow | undefined> {
    const rows = rowsOf<{ rate: number; ok: number; throttled: number; due: boolean; since_decrease_ms: number | null }>(await this.db.query(
      `UPDATE grading.platform_budgets b SET
         window_ok = b.window_ok + $2, window_throttled = b.window_throttled + $3,
         window_saturated = b.window_saturated OR $4,
         remaining = COALESCE($5::int, b.remaining), max_remaining = GREATEST(b.max_remaining, COALESCE($5::int, 0))
       WHERE b.platform_id = $1
       RETURNING b.rate, b.window_ok AS ok, b.window_throttled AS throttled,
                 b.window_started_at <= now() - $6 * interval '1 millisecond' AS due,
                 (EXTRACT(EPOCH FROM now() - b.decreased_at) * 1000)::float8 AS since_decrease_ms`,
      [platformId, seen.ok, seen.throttled, seen.saturated, seen.remaining ?? null, windowMs],
    ));
    const row = rows[0];
    return row && { rate: row.rate, ok: row.ok, throttled: row.throttled, due: row.due, sinceDecreaseMs: row.since_decrease_ms ?? undefined };
  }

  /**
   * Closes the platform's window once it has lasted `windowMs`: exactly one
   * replica (the first to get here; the row lock makes the others find the
   * window fresh) hands the cluster's totals to `judge` and stores the rate
   * it answers, and the next window starts. Answers the new rate, or
   * undefined when the window was not over or another replica closed it.
   */
  async closeWindow(platformId: string, windowMs: number, judge: (window: ClosedWindow) => number): Promise<number | undefined> {
    return this.db.transaction(async (tx) => {
      const rows = rowsOf<{ rate: number; ok: number; throttled: number; saturated: boolean; remaining: number | null; previous_remaining: number | null; max_remaining: number; since_decrease_ms: number | null }>(await tx.query(
        `SELECT rate, window_ok AS ok, window_throttled AS throttled, window_saturated AS saturated, remaining, previous_remaining, max_remaining,
                (EXTRACT(EPOCH FROM now() - decreased_at) * 1000)::float8 AS since_decrease_ms
         FROM grading.platform_budgets
         WHERE platform_id = $1 AND window_started_at <= now() - $2 * interval '1 millisecond'
         FOR UPDATE`,
        [platformId, windowMs],
      ));
      const row = rows[0];
      if (!row) return undefined;
      const rate = judge({
        rate: row.rate,
        stats: {
          ok: row.ok,
          throttled: row.throttled,
          saturated: row.saturated,
          remaining: row.remaining ?? undefined,
          previousRemaining: row.previous_remaining ?? undefined,
          maxRemaining: row.max_remaining,
        },
        sinceDecreaseMs: row.since_decrease_ms ?? undefined,
      });
      const lowered = rate < row.rate;
      await tx.query(
        `UPDATE grading.platform_budgets SET
           rate = $2::float8,
           tokens = CASE WHEN $3 THEN LEAST(tokens, 0) ELSE tokens END,
           decreased_at = CASE WHEN $3 THEN now() ELSE decreased_at END,
           increased_at = CASE WHEN $2::float8 > rate THEN now() ELSE increased_at END,
           window_started_at = now(), window_ok = 0, window_throttled = 0, window_saturated = false,
           previous_remaining = remaining
         WHERE platform_id = $1`,
        [platformId, rate, lowered],
      );
      return rate;
    });
  }

  /**
   * Multiplicative decrease within a window, on a flood of refusals the
   * whole cluster saw, at most once per `coolDownMs` across replicas (one
   * burst of throttled answers is one signal, not twenty). Empties the
   * bucket so the lower rate applies at once, and starts a new window: the
   * answers counted so far speak of the old rate. Answers the new rate, or
   * undefined when another replica just did it.
   */
  async decrease(platformId: string, factor: number, minRate: number, coolDownMs: number): Promise<number | undefined> {
    const rows = rowsOf<{ rate: number }>(await this.db.query(
      `UPDATE grading.platform_budgets b
       SET rate = GREATEST($3::float8, b.rate * $2::float8), tokens = LEAST(b.tokens, 0), decreased_at = now(),
           window_started_at = now(), window_ok = 0, window_throttled = 0, window_saturated = false
       WHERE b.platform_id = $1 AND (b.decreased_at IS NULL OR b.decreased_at < now() - $4 * interval '1 millisecond')
       RETURNING rate`,
      [platformId, factor, minRate, coolDownMs],
    ));
    return rows[0]?.rate;
  }
}
