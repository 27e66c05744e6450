import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { contextKey, envelope, SCORE_DELIVERED_V1, SCORE_FAILED_V1, type ContextTriple, type ScoreOutcomeData } from '@app/contracts';
import { rowsOf } from '@app/database';
import { ContextsRepository, type ContextState } from '../contexts/contexts.repository';
import type { Completion } from './delivery-outcome';
import type { Settled } from './settle';
import { retryOnConflict } from '../common/sql';

export interface CompletionResult {
  settled: Settled[];
  /** Rows whose lease had passed to another claimer: their result was not recorded. */
  fenced: number;
  /** Contexts whose serviceKey the vault should now mark stale: the key that failed and why. */
  staleContexts: StaleReport[];
}

interface UpdatedRow {
  id: string;
  version: string;
  status: string;
  attempts: number;
}

export interface StaleReport {
  triple: ContextTriple;
  capturedAt: string | null;
  reason: string;
}

export const OUTCOME_SOURCE = 'urn:lti-grading:grading';

/**
 * Records a batch of delivery results in one transaction: the ledger rows
 * (fenced by the claim token, so a claimer that lost its lease changes
 * nothing), every attempt, dead letters for values that failed for good,
 * and the outcome events in the outbox.
 */
@Injectable()
export class DeliveryCompletionRepository {
  constructor(
    private readonly db: DataSource,
    private readonly contexts: ContextsRepository,
  ) {}

  async complete(completions: Completion[], settle: (completions: Completion[], contexts: Map<string, ContextState>) => Settled[]): Promise<CompletionResult> {
    return retryOnConflict(() => this.db.transaction((tx) => this.completeIn(tx, completions, settle)));
  }

  private async completeIn(
    tx: EntityManager,
    completions: Completion[],
    settle: (completions: Completion[], contexts: Map<string, ContextState>) => Settled[],
  ): Promise<CompletionResult> {
    const needsContext = completions.filter((c) => c.outcome.kind === 'credential').map((c) => c.row);
    const contexts = needsContext.length ? await this.contexts.lock(tx, needsContext) : new Map<string, ContextState>();
    const settled = settle(completions, contexts);
    const staleContexts = staleReports(settled);
    for (const report of staleContexts) await this.contexts.markCredentialStale(tx, report.triple);
    const updated = await this.updateRows(tx, settled);
    await this.insertAttempts(tx, settled.filter((s) => s.kind !== 'released'));
    const current = (s: Settled) => {
      const row = updated.get(s.row.id);
      return row !== undefined && Number(row.version) === s.row.version;
    };
    const failed = settled.filter((s) => s.kind === 'failed' && current(s));
    await this.insertDeadLetters(tx, failed);
    const outcomes = settled.filter((s) => updated.has(s.row.id) && (s.kind === 'delivered' || ((s.kind === 'superseded' || s.kind === 'failed') && current(s))));
    await this.insertOutcomes(tx, outcomes, updated);
    return { settled, fenced: settled.filter((s) => !updated.has(s.row.id)).length, staleContexts };
  }

  private async updateRows(tx: EntityManager, settled: Settled[]): Promise<Map<string, UpdatedRow>> {
    if (settled.length === 0) return new Map();
    const sorted = [...settled].sort((a, b) => Number(a.row.id) - Number(b.row.id));
    const rows = rowsOf<UpdatedRow>(await tx.query(
      `UPDATE grading.scores s SET
         lease_owner = NULL, lease_until = NULL, sending_version = NULL,
         status = CASE
           WHEN c.kind = 'released' THEN s.status
           WHEN c.kind = 'waiting_for_launch' THEN 'waiting_for_launch'
           WHEN s.version <> c.version THEN s.status
           WHEN c.kind = 'retry' THEN 'pending'
           ELSE c.kind END,
         due_at = CASE WHEN c.kind = 'retry' AND s.version = c.version THEN now() + c.delay_ms * interval '1 millisecond' ELSE s.due_at END,
         attempts = CASE WHEN c.kind = 'released' OR s.version <> c.version THEN s.attempts ELSE s.attempts + 1 END,
         first_attempt_at = CASE WHEN c.kind = 'released' OR s.version <> c.version THEN s.first_attempt_at
                                 ELSE COALESCE(s.first_attempt_at, c.attempted_at) END,
         last_attempt_at = CASE WHEN c.kind = 'released' THEN s.last_attempt_at ELSE c.attempted_at END,
         last_status_code = CASE WHEN c.kind = 'released' OR s.version <> c.version THEN s.last_status_code ELSE c.status_code END,
         last_error = CASE WHEN c.kind = 'released' OR s.version <> c.version THEN s.last_error ELSE c.message END,
         line_item_id = COALESCE(c.line_item_id, s.line_item_id),
         delivered_version = CASE WHEN c.kind = 'delivered' THEN c.version ELSE s.delivered_version END,
         delivered_timestamp = CASE WHEN c.kind = 'delivered' THEN c.ts ELSE s.delivered_timestamp END,
         delivered_at = CASE WHEN c.kind = 'delivered' THEN c.attempted_at ELSE s.delivered_at END,
         updated_at = now()
       FROM unnest($1::bigint[], $2::uuid[], $3::bigint[], $4::text[], $5::bigint[], $6::int[], $7::text[], $8::text[], $9::text[], $10::timestamptz[])
         AS c(id, owner, version, kind, delay_ms, status_code, message, line_item_id, ts, attempted_at)
       WHERE s.id = c.id AND s.lease_owner = c.owner
       RETURNING s.id::text, s.version::text, s.status, s.attempts`,
      [
        sorted.map((s) => s.row.id),
        sorted.map((s) => s.row.leaseOwner),
        sorted.map((s) => s.row.version),
        sorted.map((s) => s.kind),
        sorted.map((s) => Math.round(s.delayMs)),
        sorted.map((s) => s.statusCode),
        sorted.map((s) => s.message),
        sorted.map((s) => s.lineItemId),
        sorted.map((s) => s.row.score.timestamp),
        sorted.map((s) => s.attemptedAt.toISOString()),
      ],
    ));
    return new Map(rows.map((r) => [r.id, r]));
  }

  private async insertAttempts(tx: EntityManager, settled: Settled[]): Promise<void> {
    if (settled.length === 0) return;
    await tx.query(
      `INSERT INTO grading.score_attempts (score_id, version, "timestamp", attempted_at, outcome, status_code, message, line_item_id)
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::timestamptz[], $5::text[], $6::int[], $7::text[], $8::text[])`,
      [
        settled.map((s) => s.row.id),
        settled.map((s) => s.row.version),
        settled.map((s) => s.row.score.timestamp),
        settled.map((s) => s.attemptedAt.toISOString()),
        settled.map((s) => s.kind),
        settled.map((s) => s.statusCode),
        settled.map((s) => s.message),
        settled.map((s) => s.lineItemId),
      ],
    );
  }

  private async insertDeadLetters(tx: EntityManager, failed: Settled[]): Promise<void> {
    if (failed.length === 0) return;
    await tx.query(
      `INSERT INTO grading.dead_letters (kind, score_id, version, platform_id, context_id, resource_link_id, user_id, line_item_id, payload, reason, status_code)
       SELECT 'delivery', * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::jsonb[], $9::text[], $10::int[])`,
      [
        failed.map((s) => s.row.id),
        failed.map((s) => s.row.version),
        failed.map((s) => s.row.platformId),
        failed.map((s) => s.row.contextId),
        failed.map((s) => s.row.resourceLinkId),
        failed.map((s) => s.row.userId),
        failed.map((s) => s.lineItemId),
        failed.map((s) => JSON.stringify({ score: s.row.score, lineItem: s.row.lineItem })),
        failed.map((s) => s.message ?? 'failed'),
        failed.map((s) => s.statusCode),
      ],
    );
  }

  private async insertOutcomes(tx: EntityManager, settled: Settled[], updated: Map<string, UpdatedRow>): Promise<void> {
    if (settled.length === 0) return;
    const events = settled.map((s) => {
      const data: ScoreOutcomeData = {
        platformId: s.row.platformId,
        contextId: s.row.contextId,
        resourceLinkId: s.row.resourceLinkId,
        scoreId: s.row.id,
        userId: s.row.userId,
        timestamp: s.row.score.timestamp,
        outcome: s.kind === 'delivered' ? 'delivered' : s.kind === 'superseded' ? 'superseded' : 'failed',
        attempts: updated.get(s.row.id)?.attempts ?? s.row.attempts + 1,
        ...(s.lineItemId ? { lineItemId: s.lineItemId } : {}),
        ...(s.statusCode !== null ? { statusCode: s.statusCode } : {}),
        ...(s.message ? { reason: s.message.slice(0, 4000) } : {}),
      };
      const type = data.outcome === 'failed' ? SCORE_FAILED_V1 : SCORE_DELIVERED_V1;
      return { key: contextKey(s.row), event: envelope(type, OUTCOME_SOURCE, data, { id: randomUUID() }) };
    });
    await tx.query(`INSERT INTO grading.outcome_outbox (key, event) SELECT * FROM unnest($1::text[], $2::jsonb[])`, [
      events.map((e) => e.key),
      events.map((e) => JSON.stringify(e.event)),
    ]);
  }
}

function staleReports(settled: Settled[]): StaleReport[] {
  const seen = new Map<string, StaleReport>();
  for (const s of settled) {
    if (!s.markStale) continue;
    const triple = { platformId: s.row.platformId, contextId: s.row.contextId, resourceLinkId: s.row.resourceLinkId };
    seen.set(contextKey(triple), { triple, capturedAt: s.staleCapturedAt, reason: s.message ?? 'refused by LTIAAS' });
  }
  return [...seen.values()];
}
