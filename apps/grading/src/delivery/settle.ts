import { contextKey } from '@app/contracts';
import type { ContextState } from '../contexts/contexts.repository';
import type { ClaimedScore } from '../ledger/score-claim.repository';
import type { Completion, CredentialProblem } from './delivery-outcome';
import { backoffMs, type BackoffPolicy } from './failure-policy';

export type FinalKind = 'delivered' | 'superseded' | 'retry' | 'waiting_for_launch' | 'failed' | 'released';

/** What the ledger records for one row after an attempt (or a release). */
export interface Settled {
  row: ClaimedScore;
  kind: FinalKind;
  attemptedAt: Date;
  delayMs: number;
  statusCode: number | null;
  message: string | null;
  lineItemId: string | null;
  /** This row's failure shows the context's serviceKey is stale: tell the vault. */
  markStale: boolean;
  /** The capture time of the key that failed, for the vault. */
  staleCapturedAt: string | null;
}

export interface SettlePolicy {
  backoff: BackoffPolicy;
  giveUpAfterMs: number;
  /** After a relaunch, credential errors are read as the vault catching up for this long. */
  relaunchGraceMs: number;
  now: number;
}

/**
 * Turns attempt outcomes into ledger decisions. A credential failure is
 * judged against the context's launch history, read under its row lock (the
 * same lock a launch takes to wake waiting rows, so the two never cross):
 * when grading has just taken in a launch newer than the key that failed (or
 * newer than the moment it found the key stale), the vault is about to hold
 * a fresh key and the row retries shortly; otherwise it waits for the next
 * launch, whose arrival wakes it. A retry past the give-up horizon fails.
 */
export function settle(completions: Completion[], contexts: Map<string, ContextState>, policy: SettlePolicy): Settled[] {
  return completions.map(({ row, outcome, attemptedAt }) => {
    const base: Settled = { row, kind: 'released', attemptedAt, delayMs: 0, statusCode: null, message: null, lineItemId: null, markStale: false, staleCapturedAt: null };
    switch (outcome.kind) {
      case 'released':
        return { ...base, delayMs: outcome.delayMs ?? 0 };
      case 'delivered':
        return { ...base, kind: 'delivered', lineItemId: outcome.lineItemId };
      case 'superseded':
      case 'failed':
        return { ...base, kind: outcome.kind, statusCode: outcome.statusCode ?? null, message: outcome.message, lineItemId: outcome.lineItemId ?? null };
      case 'retry':
        return giveUpOrRetry({ ...base, statusCode: outcome.statusCode ?? null, message: outcome.message, lineItemId: outcome.lineItemId ?? null }, outcome.delayMs, policy);
      case 'credential': {
        const settled = { ...base, statusCode: outcome.statusCode ?? null, message: outcome.message, lineItemId: outcome.lineItemId ?? null };
        const context = contexts.get(contextKey(row));
        if (vaultCatchingUp(outcome.problem, context, policy)) {
          const delay = Math.min(5_000, backoffMs(row.attempts + 1, policy.backoff)) + 250;
          return giveUpOrRetry(settled, delay, policy);
        }
        const problem = outcome.problem;
        return problem.type === 'rejected' ? { ...settled, kind: 'waiting_for_launch', markStale: true, staleCapturedAt: problem.capturedAt } : { ...settled, kind: 'waiting_for_launch' };
      }
    }
  });
}

function vaultCatchingUp(problem: CredentialProblem, context: ContextState | undefined, policy: SettlePolicy): boolean {
  const seenAt = context?.launchSeenAt?.getTime();
  // Database time on both sides: no clock skew between replicas matters here.
  if (!context || seenAt === undefined || context.readAt.getTime() - seenAt > policy.relaunchGraceMs) return false;
  switch (problem.type) {
    case 'missing':
      return true;
    case 'stale':
      return !context.credentialStaleAt || seenAt > context.credentialStaleAt.getTime();
    case 'rejected':
      // The vault's capturedAt is the launchedAt of the launch that brought the key: same clock as lastLaunchAt.
      return !problem.capturedAt || (context.lastLaunchAt !== null && context.lastLaunchAt.getTime() > millis(problem.capturedAt));
  }
}

function millis(iso: string): number {
  return Date.parse(iso.replace(/\.(\d{3})\d+/, '.$1'));
}

function giveUpOrRetry(settled: Settled, delayMs: number, policy: SettlePolicy): Settled {
  const since = settled.row.firstAttemptAt?.getTime() ?? settled.attemptedAt.getTime();
  if (policy.now - since >= policy.giveUpAfterMs) {
    const hours = Math.round((policy.giveUpAfterMs / 3_600_000) * 10) / 10;
    return { ...settled, kind: 'failed', message: `gave up after ${hours} h of retries; last error: ${settled.message ?? 'unknown'}` };
  }
  return { ...settled, kind: 'retry', delayMs };
}
