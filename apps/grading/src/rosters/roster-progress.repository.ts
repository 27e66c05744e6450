import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export type ContextOutcome = 'refreshed' | 'skipped' | 'failed';

export interface ContextResult {
  platformId: string;
  contextId: string;
  outcome: ContextOutcome;
  members: number;
  active: number;
  deactivated: number;
  pages: number;
  reason?: string;
}

/** grading.sync_run_contexts: the contexts a roster refresh finished, its checkpoint. */
@Injectable()
export class RosterProgressRepository {
  constructor(private readonly db: DataSource) {}

  async record(runId: string, result: ContextResult): Promise<void> {
    await this.db.query(
      `INSERT INTO grading.sync_run_contexts (run_id, platform_id, context_id, outcome, members, active, deactivated, pages, reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (run_id, platform_id, context_id) DO UPDATE SET outcome = EXCLUDED.outcome, members = EXCLUDED.members,
         active = EXCLUDED.active, deactivated = EXCLUDED.deactivated, pages = EXCLUDED.pages, reason = EXCLUDED.reason, finished_at = now()`,
      [runId, result.platformId, result.contextId, result.outcome, result.members, result.active, result.deactivated, result.pages, result.reason ?? null],
    );
  }

  /**
   * Carries the contexts an interrupted run refreshed over to the run that
   * resumes it (failed ones are tried again); answers their keys.
   */
  async carryOver(fromRunId: string, toRunId: string): Promise<Set<string>> {
    const rows: Array<{ platform_id: string; context_id: string }> = await this.db.query(
      `INSERT INTO grading.sync_run_contexts (run_id, platform_id, context_id, outcome, members, active, deactivated, pages, reason, carried_over, finished_at)
       SELECT $2, platform_id, context_id, outcome, members, active, deactivated, pages, reason, true, finished_at
       FROM grading.sync_run_contexts WHERE run_id = $1 AND outcome <> 'failed'
       ON CONFLICT DO NOTHING
       RETURNING platform_id, context_id`,
      [fromRunId, toRunId],
    );
    return new Set(rows.map((r) => courseKey(r.platform_id, r.context_id)));
  }

  async list(runId: string, limit = 1000): Promise<Array<ContextResult & { carriedOver: boolean; finishedAt: string }>> {
    const rows: Array<Record<string, unknown>> = await this.db.query(
      `SELECT platform_id, context_id, outcome, members, active, deactivated, pages, reason, carried_over, finished_at
       FROM grading.sync_run_contexts WHERE run_id = $1 ORDER BY finished_at, platform_id, context_id LIMIT $2`,
      [runId, limit],
    );
    return rows.map((r) => ({
      platformId: r.platform_id as string,
      contextId: r.context_id as string,
      outcome: r.outcome as ContextOutcome,
      members: r.members as number,
      active: r.active as number,
      deactivated: r.deactivated as number,
      pages: r.pages as number,
      ...(r.reason ? { reason: r.reason as string } : {}),
      carriedOver: r.carried_over as boolean,
      finishedAt: (r.finished_at as Date).toISOString(),
    }));
  }
}

export const courseKey = (platformId: string, contextId: string): string => JSON.stringify([platformId, contextId]);
