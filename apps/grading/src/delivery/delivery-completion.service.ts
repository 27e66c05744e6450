import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { contextKey, type ContextTriple } from '@app/contracts';
import { CLOCK, type Clock } from '../common/clock';
import { retryOnConflict } from '../common/sql';
import { ContextsRepository, type ContextState } from '../contexts/contexts.repository';
import { DeadLettersRepository, type DeliveryDeadLetter } from '../dead-letters/dead-letters.repository';
import { ScoreCompletionRepository, type ScoreCompletion } from '../ledger/score-completion.repository';
import { OutcomeOutboxRepository } from '../outcomes/outcome-outbox.repository';
import type { CompletionStore } from './completion.buffer';
import { DeliveryAttemptsRepository } from './delivery-attempts.repository';
import type { Completion } from './delivery-outcome';
import { LineItemSendsRepository, type SendTurnRelease } from './line-items/line-item-sends.repository';
import { outcomeEvents } from './outcome-events';
import { settle, type Settled, type SettlePolicy } from './settle';

export interface CompletionResult {
  settled: Settled[];
  /** Rows whose lease had passed to another claimer: their result was not recorded. */
  fenced: number;
  /** Contexts whose serviceKey the vault should now mark stale: the key that failed and why. */
  staleContexts: StaleReport[];
}

export interface StaleReport {
  triple: ContextTriple;
  capturedAt: string | null;
  reason: string;
}

/** The settle policy but for the time, which is read for each batch. */
export type SettleRules = Omit<SettlePolicy, 'now'>;
export const SETTLE_RULES = Symbol('SETTLE_RULES');

/**
 * Records a batch of delivery results in one transaction: decides what
 * each result means for its row (settle), then writes the ledger rows
 * (fenced by the claim token, so a claimer that lost its lease changes
 * nothing), gives back the send turns, logs every attempt, dead-letters the
 * values that failed for good and queues the outcome events.
 */
@Injectable()
export class DeliveryCompletionService implements CompletionStore {
  constructor(
    private readonly db: DataSource,
    private readonly contexts: ContextsRepository,
    private readonly scores: ScoreCompletionRepository,
    private readonly sends: LineItemSendsRepository,
    private readonly attempts: DeliveryAttemptsRepository,
    private readonly deadLetters: DeadLettersRepository,
    private readonly outbox: OutcomeOutboxRepository,
    @Inject(SETTLE_RULES) private readonly rules: SettleRules,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  complete(completions: Completion[]): Promise<CompletionResult> {
    return retryOnConflict(() => this.db.transaction((tx) => this.completeIn(tx, completions)));
  }

  private async completeIn(tx: EntityManager, completions: Completion[]): Promise<CompletionResult> {
    // A credential failure is judged under the context's lock, the one a launch takes to wake waiting rows.
    const needsContext = completions.filter((c) => c.outcome.kind === 'credential').map((c) => c.row);
    const contexts = needsContext.length ? await this.contexts.lock(tx, needsContext) : new Map<string, ContextState>();
    const settled = settle(completions, contexts, { ...this.rules, now: this.clock.now() });
    const staleContexts = staleReports(settled);
    for (const report of staleContexts) await this.contexts.markCredentialStale(tx, report.triple);
    const updated = await this.scores.record(tx, settled.map(scoreCompletion));
    // The send turns these attempts took go back with their results, fenced or not (the turn is the claim's).
    await this.sends.releaseIn(tx, turnsTaken(completions));
    await this.attempts.append(tx, settled.filter((s) => s.kind !== 'released'));
    const current = (s: Settled) => {
      const row = updated.get(s.row.id);
      return row !== undefined && Number(row.version) === s.row.version;
    };
    await this.deadLetters.recordDelivery(tx, settled.filter((s) => s.kind === 'failed' && current(s)).map(deadLetter));
    const announced = settled.filter((s) => updated.has(s.row.id) && (s.kind === 'delivered' || ((s.kind === 'superseded' || s.kind === 'failed') && current(s))));
    await this.outbox.append(tx, outcomeEvents(announced, updated));
    return { settled, fenced: settled.filter((s) => !updated.has(s.row.id)).length, staleContexts };
  }
}

function scoreCompletion(s: Settled): ScoreCompletion {
  return {
    id: s.row.id,
    leaseOwner: s.row.leaseOwner,
    version: s.row.version,
    kind: s.kind,
    delayMs: s.delayMs,
    statusCode: s.statusCode,
    message: s.message,
    lineItemId: s.lineItemId,
    timestamp: s.row.score.timestamp,
    attemptedAt: s.attemptedAt,
  };
}

function turnsTaken(completions: Completion[]): SendTurnRelease[] {
  return completions
    .filter((c) => c.turnOf !== undefined)
    .map((c) => ({ platformId: c.row.platformId, contextId: c.row.contextId, lineItemId: c.turnOf!, userId: c.row.userId, owner: c.row.leaseOwner }));
}

function deadLetter(s: Settled): DeliveryDeadLetter {
  return {
    scoreId: s.row.id,
    version: s.row.version,
    platformId: s.row.platformId,
    contextId: s.row.contextId,
    resourceLinkId: s.row.resourceLinkId,
    userId: s.row.userId,
    lineItemId: s.lineItemId,
    payload: { score: s.row.score, lineItem: s.row.lineItem },
    reason: s.message ?? 'failed',
    statusCode: s.statusCode,
  };
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
