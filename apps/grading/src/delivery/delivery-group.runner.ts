import { Inject, Injectable } from '@nestjs/common';
import type { ContextTriple } from '@app/contracts';
import { LtiaasCredentialInvalidError, LtiaasError, LtiaasNotFoundError, type LtiaasCredential } from '@app/ltiaas';
import type { Clock } from '../common/clock';
import type { Semaphore } from '../common/semaphore';
import type { CredentialResolver } from '../credentials/credential.resolver';
import type { LtiaasPort } from '../credentials/ports';
import type { ClaimedScore } from '../ledger/score-claim.repository';
import type { Completion, Outcome } from './delivery-outcome';
import { isThrottle, outcomeOfFailure, type BackoffPolicy } from './failure-policy';
import type { LineItemResolver, LineItemTarget } from './line-items/line-item.resolver';
import type { SendTurn, SendTurnRequest } from './line-items/line-item-sends.repository';
import { TURN_START_WINDOW_MS } from './line-items/send-turns';

/** The per-platform limiter, as a group needs it (PlatformRateLimiter). */
export interface PlatformGate {
  acquire(platformId: string): Promise<void>;
  report(platformId: string, result: { throttled: boolean; remaining?: number; sentAt?: number }): void;
}

/** Send turns per (LMS line item, user), shared by every replica (SendTurns). */
export interface TurnGate {
  take(request: SendTurnRequest): Promise<SendTurn>;
}

export interface CompletionSink {
  add(completion: Completion): void;
}

export interface GroupRunnerDeps {
  ltiaas: LtiaasPort;
  credentials: CredentialResolver;
  lineItems: LineItemResolver;
  gate: PlatformGate;
  /** Requests in flight, across every group of this process. */
  slots: Semaphore;
  /** Rows that hold their send turn and wait for a slot: a few, so turns are not held long unsent. */
  nextUp: Semaphore;
  clock: Clock;
  backoff: BackoffPolicy;
  /** Tells a refused serviceKey from a refused account API key (AccountKeyCheck). */
  accountKey?: { blame(error: unknown): Promise<unknown> };
  /** One post in flight per (LMS line item, user), never an older timestamp after a newer one there. */
  turns?: TurnGate;
}

export const DELIVERY_PORTS = Symbol('DELIVERY_PORTS');

/** Where one run's results go, and whether the process is stopping: the caller's own. */
export interface GroupHooks {
  sink: CompletionSink;
  /** True once the process is shutting down: rows not yet on the wire go back to the ledger as they were. */
  stopping?: () => boolean;
}

/** A (line item, user) busy with another post is tried again this soon: posts take milliseconds to seconds. */
const TURN_RETRY_MS = 500;

interface GroupState {
  /** Set when the whole group must stop: its credential is refused, or its line item is gone. */
  abort?: (row: ClaimedScore) => Outcome;
  /** The abort only holds the group back while it is learned whose key LTIAAS refused. */
  provisional?: boolean;
}

/**
 * Delivers one group of claimed rows: same activity, same line item,
 * different users. The serviceKey and the line item are resolved once for
 * the group; then every row is posted as soon as its platform's budget and
 * a request slot allow. Each row ends in exactly one completion.
 */
@Injectable()
export class DeliveryGroupRunner {
  constructor(@Inject(DELIVERY_PORTS) private readonly deps: GroupRunnerDeps) {}

  async run(rows: ClaimedScore[], hooks: GroupHooks): Promise<void> {
    const first = rows[0];
    const triple: ContextTriple = { platformId: first.platformId, contextId: first.contextId, resourceLinkId: first.resourceLinkId };
    const target: LineItemTarget = { ...triple, lineItemKey: first.lineItemKey, lineItem: first.lineItem };
    let serviceKey: string;
    let capturedAt: string | null;
    try {
      ({ serviceKey, capturedAt } = await this.deps.credentials.resolve(triple));
    } catch (error) {
      return this.completeAll(rows, error, {}, hooks);
    }
    const cred: LtiaasCredential = { serviceKey };
    let lineItemId: string;
    try {
      lineItemId = await this.deps.lineItems.resolve(target, cred);
    } catch (thrown) {
      const error = await this.blame(thrown);
      if (error instanceof LtiaasError && error.kind === 'credential-invalid') this.deps.credentials.forget(triple);
      return this.completeAll(rows, error, { capturedAt }, hooks);
    }
    const state: GroupState = {};
    await Promise.all(rows.map((row) => this.send(row, { cred, capturedAt, lineItemId, triple, target, state }, hooks)));
  }

  private async send(
    row: ClaimedScore,
    ctx: { cred: LtiaasCredential; capturedAt: string | null; lineItemId: string; triple: ContextTriple; target: LineItemTarget; state: GroupState },
    { sink, stopping }: GroupHooks,
  ): Promise<void> {
    const { gate, clock, ltiaas } = this.deps;
    try {
      await gate.acquire(row.platformId);
    } catch {
      return sink.add({ row, outcome: { kind: 'released' }, attemptedAt: new Date(clock.now()) });
    }
    // The turn is taken while waiting for a slot, so its round trip to the database is not
    // spent holding one; few rows wait so, so a turn is seldom held long before its post.
    const { turn, askedAt, releaseSlot } = await this.nextUp(row, ctx, stopping);
    if (turn !== 'go') return sink.add({ row, outcome: turn, attemptedAt: new Date(clock.now()) });
    const turnOf = this.deps.turns ? ctx.lineItemId : undefined;
    try {
      const now = clock.now();
      const unsent = (outcome: Outcome) => sink.add({ row, outcome, attemptedAt: new Date(now), turnOf });
      if (ctx.state.abort) return unsent(ctx.state.abort(row));
      if (stopping?.()) return unsent({ kind: 'released' });
      if (now > row.lease.until) return unsent({ kind: 'released' });
      // The turn holds for the longest post plus this window: started later, it could lapse mid-post.
      if (now - askedAt > TURN_START_WINDOW_MS) return unsent({ kind: 'released' });
      const attemptedAt = new Date(now);
      try {
        const result = await ltiaas.postScore(ctx.cred, ctx.lineItemId, row.score);
        gate.report(row.platformId, { throttled: false, remaining: result.rateLimitRemaining, sentAt: attemptedAt.getTime() });
        sink.add({ row, outcome: { kind: 'delivered', lineItemId: ctx.lineItemId }, attemptedAt, turnOf });
      } catch (error) {
        gate.report(row.platformId, {
          throttled: isThrottle(error),
          remaining: error instanceof LtiaasError ? error.rateLimitRemaining : undefined,
          sentAt: attemptedAt.getTime(),
        });
        if (error instanceof LtiaasCredentialInvalidError && !ctx.state.abort) {
          // Hold the rest of the group back (unsent, unchanged) while the account key is checked.
          ctx.state.abort = () => ({ kind: 'released' });
          ctx.state.provisional = true;
        }
        const outcome = this.failureOutcome(await this.blame(error), row, ctx);
        // Unanswered (a timeout, a reset): the request may still be on its way through LTIAAS, so the
        // turn stays taken until it could no longer land, and nothing newer overtakes it meanwhile.
        const answered = error instanceof LtiaasError && error.status !== undefined;
        sink.add({ row, outcome, attemptedAt, turnOf: answered ? turnOf : undefined });
      }
    } finally {
      releaseSlot();
    }
  }

  /**
   * Next up: the row takes its send turn, then waits for a request slot.
   * The nextUp semaphore bounds how many rows are at this stage, and lets
   * them in several at a time, so their turns share one statement.
   */
  private async nextUp(
    row: ClaimedScore,
    ctx: { lineItemId: string; state: GroupState },
    stopping: (() => boolean) | undefined,
  ): Promise<{ turn: 'go'; askedAt: number; releaseSlot: () => void } | { turn: Outcome; askedAt?: undefined; releaseSlot?: undefined }> {
    const { slots, clock } = this.deps;
    const releaseNextUp = await this.deps.nextUp.acquire();
    try {
      if (ctx.state.abort) return { turn: ctx.state.abort(row) };
      // Not worth a turn: a claim whose renewal lapsed may already be another replica's, and a stopping process sends nothing new.
      if (stopping?.() || clock.now() > row.lease.until) return { turn: { kind: 'released' } };
      const askedAt = clock.now();
      const turn = await this.turn(row, ctx.lineItemId);
      if (turn !== 'go') return { turn };
      return { turn, askedAt, releaseSlot: await slots.acquire() };
    } finally {
      releaseNextUp();
    }
  }

  /**
   * The row's turn at its LMS line item and user: rows are per selector as
   * the grader names it, but two selectors can lead to one LMS line item,
   * and it is there that order and one-in-flight must hold.
   */
  private async turn(row: ClaimedScore, lineItemId: string): Promise<'go' | Outcome> {
    if (!this.deps.turns) return 'go';
    let turn: SendTurn;
    try {
      turn = await this.deps.turns.take({
        platformId: row.platformId,
        contextId: row.contextId,
        lineItemId,
        userId: row.userId,
        timestampNs: row.timestampNs,
        scoreId: row.id,
        owner: row.leaseOwner,
      });
    } catch (error) {
      return { kind: 'retry', delayMs: 1_000, message: `could not take the send turn: ${(error as Error).message}`, lineItemId };
    }
    if (turn === 'older') return { kind: 'superseded', message: `a newer score for this user was already sent to LMS line item ${lineItemId}`, lineItemId };
    // Not an attempt: waiting for another post to end must not lengthen this row's backoff.
    if (turn === 'busy') return { kind: 'released', delayMs: TURN_RETRY_MS };
    return 'go';
  }

  private blame(error: unknown): Promise<unknown> {
    return this.deps.accountKey ? this.deps.accountKey.blame(error) : Promise.resolve(error);
  }

  private failureOutcome(
    error: unknown,
    row: ClaimedScore,
    ctx: { capturedAt: string | null; lineItemId: string; triple: ContextTriple; target: LineItemTarget; state: GroupState },
  ): Outcome {
    const outcome = outcomeOfFailure(error, { attempt: row.attempts + 1, policy: this.deps.backoff, lineItemId: ctx.lineItemId, capturedAt: ctx.capturedAt });
    if (outcome.kind === 'credential' && (!ctx.state.abort || ctx.state.provisional)) {
      // The key is refused for the whole activity: the rest of the group waits with this row, unsent.
      this.deps.credentials.forget(ctx.triple);
      ctx.state.abort = () => ({ ...outcome, statusCode: undefined, message: `not sent: ${outcome.message}` });
      ctx.state.provisional = false;
    }
    if (error instanceof LtiaasNotFoundError) {
      if (!ctx.state.abort) {
        // The line item is gone: forget it, and let the unsent rest of the group resolve it afresh.
        void this.deps.lineItems.forget(ctx.target, ctx.lineItemId).catch(() => undefined);
        ctx.state.abort = () => ({ kind: 'released' });
      }
      // Every row that was already on its way gets one more try at once, against the line item resolved afresh.
      if (row.lastStatusCode !== 404) return { kind: 'retry', delayMs: 0, statusCode: 404, message: outcome.kind === 'failed' ? outcome.message : 'line item not found', lineItemId: ctx.lineItemId };
    }
    return outcome;
  }

  private completeAll(rows: ClaimedScore[], error: unknown, ctx: { capturedAt?: string | null }, { sink }: GroupHooks): void {
    const attemptedAt = new Date(this.deps.clock.now());
    for (const row of rows) {
      sink.add({ row, outcome: outcomeOfFailure(error, { attempt: row.attempts + 1, policy: this.deps.backoff, capturedAt: ctx.capturedAt }), attemptedAt });
    }
  }
}
