import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { rowsOf } from '@app/database';

export interface BudgetDefaults {
  rate: number;
  burst: number;
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
 * chunks with one upsert. The rate itself is the AIMD state: lowered on
 * throttling, raised on steady success, whichever replica observes it.
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
   * Multiplicative decrease, at most once per `coolDownMs` across replicas
   * (one burst of throttled answers is one signal, not twenty). Empties the
   * bucket so the lower rate applies at once. Answers the new rate, or
   * undefined when another replica just did it.
   */
  async decrease(platformId: string, factor: number, minRate: number, coolDownMs: number): Promise<number | undefined> {
    const rows = rowsOf<{ rate: number }>(await this.db.query(
      `UPDATE grading.platform_budgets b
       SET rate = GREATEST($3::float8, b.rate * $2::float8), tokens = LEAST(b.tokens, 0), decreased_at = now()
       WHERE b.platform_id = $1 AND (b.decreased_at IS NULL OR b.decreased_at < now() - $4 * interval '1 millisecond')
       RETURNING rate`,
      [platformId, factor, minRate, coolDownMs],
    ));
    return rows[0]?.rate;
  }

  /**
   * Additive increase: `step` requests/s per second since the last increase
   * (at most two seconds' worth), but no more than 10 % of the rate per
   * second, so a slow LMS (Canvas drains a few requests a second) is
   * approached gently; never within `quietMs` of a decrease.
   */
  async increase(platformId: string, step: number, maxRate: number, quietMs: number): Promise<number | undefined> {
    const rows = rowsOf<{ rate: number }>(await this.db.query(
      `UPDATE grading.platform_budgets b
       SET rate = LEAST($3::float8, b.rate + LEAST($2::float8, b.rate * 0.1)
                  * LEAST(2, GREATEST(0, EXTRACT(EPOCH FROM now() - COALESCE(b.increased_at, now() - interval '1 second'))))),
           increased_at = now()
       WHERE b.platform_id = $1 AND b.rate < $3::float8
         AND (b.decreased_at IS NULL OR b.decreased_at < now() - $4 * interval '1 millisecond')
       RETURNING rate`,
      [platformId, step, maxRate, quietMs],
    ));
    return rows[0]?.rate;
  }
}
