import type { ClaimedScore } from '../ledger/score-claim.repository';

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
  /**
   * Not attempted (group aborted, lease lapsed, the LMS line item busy with another post): back to the
   * pool as it was, due again after `delayMs` when given. Not an attempt: it never lengthens the backoff.
   */
  | { kind: 'released'; delayMs?: number };

export interface Completion {
  row: ClaimedScore;
  outcome: Outcome;
  attemptedAt: Date;
  /** The LMS line item whose send turn this attempt took: given back when the result is recorded. */
  turnOf?: string;
}
