import type { ContextTriple } from '@app/contracts';
import { LtiaasCredentialInvalidError, LtiaasError, LtiaasNotFoundError, type LtiaasCredential } from '@app/ltiaas';
import type { Semaphore } from '../common/semaphore';
import type { CredentialResolver } from './credentials/credential.resolver';
import type { ClaimedScore, Completion, Outcome } from './delivery-outcome';
import { isThrottle, outcomeOfFailure, type BackoffPolicy } from './failure-policy';
import type { LineItemResolver, LineItemTarget } from './line-items/line-item.resolver';
import type { Clock, LtiaasPort } from './ports';

/** The per-platform limiter, as a group needs it (PlatformRateLimiter). */
export interface PlatformGate {
  acquire(platformId: string): Promise<void>;
  report(platformId: string, result: { throttled: boolean; remaining?: number; sentAt?: number }): void;
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
  clock: Clock;
  backoff: BackoffPolicy;
  sink: CompletionSink;
  /** True once the process is shutting down: rows not yet on the wire go back to the ledger as they were. */
  stopping?: () => boolean;
  /** Tells a refused serviceKey from a refused account API key (AccountKeyCheck). */
  accountKey?: { blame(error: unknown): Promise<unknown> };
}

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
export class DeliveryGroupRunner {
  constructor(private readonly deps: GroupRunnerDeps) {}

  async run(rows: ClaimedScore[]): Promise<void> {
    const first = rows[0];
    const triple: ContextTriple = { platformId: first.platformId, contextId: first.contextId, resourceLinkId: first.resourceLinkId };
    const target: LineItemTarget = { ...triple, lineItemKey: first.lineItemKey, lineItem: first.lineItem };
    let serviceKey: string;
    let capturedAt: string | null;
    try {
      ({ serviceKey, capturedAt } = await this.deps.credentials.resolve(triple));
    } catch (error) {
      return this.completeAll(rows, error, {});
    }
    const cred: LtiaasCredential = { serviceKey };
    let lineItemId: string;
    try {
      lineItemId = await this.deps.lineItems.resolve(target, cred);
    } catch (thrown) {
      const error = await this.blame(thrown);
      if (error instanceof LtiaasError && error.kind === 'credential-invalid') this.deps.credentials.forget(triple);
      return this.completeAll(rows, error, { capturedAt });
    }
    const state: GroupState = {};
    await Promise.all(rows.map((row) => this.send(row, { cred, capturedAt, lineItemId, triple, target, state })));
  }

  private async send(
    row: ClaimedScore,
    ctx: { cred: LtiaasCredential; capturedAt: string | null; lineItemId: string; triple: ContextTriple; target: LineItemTarget; state: GroupState },
  ): Promise<void> {
    const { gate, slots, clock, ltiaas, sink } = this.deps;
    try {
      await gate.acquire(row.platformId);
    } catch {
      return sink.add({ row, outcome: { kind: 'released' }, attemptedAt: new Date(clock.now()) });
    }
    const release = await slots.acquire();
    try {
      if (ctx.state.abort) return sink.add({ row, outcome: ctx.state.abort(row), attemptedAt: new Date(clock.now()) });
      if (this.deps.stopping?.()) return sink.add({ row, outcome: { kind: 'released' }, attemptedAt: new Date(clock.now()) });
      // The lease must outlive the request, or another replica could send a newer value before this one lands.
      if (clock.now() > row.sendDeadline) return sink.add({ row, outcome: { kind: 'released' }, attemptedAt: new Date(clock.now()) });
      const attemptedAt = new Date(clock.now());
      try {
        const result = await ltiaas.postScore(ctx.cred, ctx.lineItemId, row.score);
        gate.report(row.platformId, { throttled: false, remaining: result.rateLimitRemaining, sentAt: attemptedAt.getTime() });
        sink.add({ row, outcome: { kind: 'delivered', lineItemId: ctx.lineItemId }, attemptedAt });
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
        sink.add({ row, outcome, attemptedAt });
      }
    } finally {
      release();
    }
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

  private completeAll(rows: ClaimedScore[], error: unknown, ctx: { capturedAt?: string | null }): void {
    const attemptedAt = new Date(this.deps.clock.now());
    for (const row of rows) {
      this.deps.sink.add({ row, outcome: outcomeOfFailure(error, { attempt: row.attempts + 1, policy: this.deps.backoff, capturedAt: ctx.capturedAt }), attemptedAt });
    }
  }
}
