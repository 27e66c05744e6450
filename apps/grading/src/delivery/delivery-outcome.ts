import type { LineItemSelector } from '@app/contracts';
import type { Score } from '@app/ltiaas';

/** A ledger row claimed for delivery: the value to send and the lease that guards it. */
export interface ClaimedScore {
  id: string;
  platformId: string;
  contextId: string;
  resourceLinkId: string;
  lineItemKey: string;
  lineItem: LineItemSelector | null;
  userId: string;
  /** The version being sent; a newer one may arrive while it is in flight. */
  version: number;
  score: Score;
  attempts: number;
  firstAttemptAt: Date | null;
  lastStatusCode: number | null;
  /** The claim's fencing token: a completion only lands while the row still carries it. */
  leaseOwner: string;
  /** Local time after which this process must not start sending the row. */
  sendDeadline: number;
}

/** Why a credential did not work, for the decision "wait for a launch" or "the vault is catching up". */
export type CredentialProblem =
  | { type: 'missing' }
  | { type: 'stale' }
  /** LTIAAS refused the key the vault captured at `capturedAt` (ISO, as the vault gave it). */
  | { type: 'rejected'; capturedAt: string | null };

export type Outcome =
  | { kind: 'delivered'; lineItemId: string }
  | { kind: 'superseded'; statusCode?: number; message: string; lineItemId?: string }
  | { kind: 'retry'; delayMs: number; statusCode?: number; message: string; lineItemId?: string }
  | { kind: 'credential'; problem: CredentialProblem; statusCode?: number; message: string; lineItemId?: string }
  | { kind: 'failed'; statusCode?: number; message: string; lineItemId?: string }
  /** Not attempted (group aborted, lease too short to start): back to the pool as it was. */
  | { kind: 'released' };

export interface Completion {
  row: ClaimedScore;
  outcome: Outcome;
  attemptedAt: Date;
}
