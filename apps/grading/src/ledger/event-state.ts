import type { ScoreStatus } from './score-status';

export const EVENT_STATES = ['pending', 'waiting-for-launch', 'delivered', 'superseded', 'failed', 'dead-lettered'] as const;
export type EventState = (typeof EVENT_STATES)[number];

/** What `GET /v1/scores/events/{id}` answers. */
export interface EventView {
  id: string;
  state: EventState;
  reason?: string;
  /** The ScoreReady data as accepted (a dead letter's data as far as it could be read, else null). */
  score: unknown;
  receivedAt: string;
  lineItemId?: string;
  deliveredAt?: string;
  /** Requests made to the LMS for this event's value. */
  attempts: number;
  /** The handle of the API key that submitted it over HTTP. */
  submittedBy?: string;
}

/** One accepted event beside its ledger row and the delivery attempts of its value. */
export interface AcceptedEventFacts {
  eventId: string;
  data: unknown;
  receivedAt: Date;
  /** 'stale': older than (or as old as) the row's value when it arrived, so never sent. */
  outcome: 'applied' | 'stale';
  submittedBy: string | null;
  /** Whether the ledger row still holds this event's value. */
  current: boolean;
  rowStatus: ScoreStatus | null;
  rowLastError: string | null;
  rowLineItemId: string | null;
  rowDeliveredAt: Date | null;
  /** From the attempts that sent this event's value (matched by row and timestamp, unique per applied value). */
  attempts: number;
  attemptDeliveredAt: Date | null;
  attemptFailure: string | null;
  attemptLineItemId: string | null;
}

export const SUPERSEDED_REASON = 'a newer score for the same learner and line item won';

const STATE_OF_ROW: Record<ScoreStatus, EventState> = {
  pending: 'pending',
  waiting_for_launch: 'waiting-for-launch',
  delivered: 'delivered',
  superseded: 'superseded',
  failed: 'failed',
};

/**
 * The state of an accepted event, derived rather than stored: while the
 * ledger row holds its value, the row's delivery state is the event's; once
 * a newer value replaced it, the event keeps what its own attempts reached
 * (delivered, or failed for good), else it was superseded before it landed.
 */
export function acceptedEventView(f: AcceptedEventFacts): EventView {
  const base = {
    id: f.eventId,
    score: f.data,
    receivedAt: f.receivedAt.toISOString(),
    attempts: f.attempts,
    ...(f.submittedBy ? { submittedBy: f.submittedBy } : {}),
  };
  const lineItemId = f.attemptLineItemId ?? (f.current ? f.rowLineItemId : null);
  const withLineItem = lineItemId ? { lineItemId } : {};
  if (f.current && f.rowStatus) {
    const state = STATE_OF_ROW[f.rowStatus];
    const deliveredAt = state === 'delivered' ? (f.rowDeliveredAt ?? f.attemptDeliveredAt) : null;
    const reason = state === 'superseded' ? (f.rowLastError ?? SUPERSEDED_REASON) : f.rowLastError;
    return { ...base, state, ...(reason ? { reason } : {}), ...withLineItem, ...(deliveredAt ? { deliveredAt: deliveredAt.toISOString() } : {}) };
  }
  if (f.outcome === 'applied' && f.attemptDeliveredAt) return { ...base, state: 'delivered', ...withLineItem, deliveredAt: f.attemptDeliveredAt.toISOString() };
  if (f.outcome === 'applied' && f.attemptFailure !== null) return { ...base, state: 'failed', reason: f.attemptFailure, ...withLineItem };
  return { ...base, state: 'superseded', reason: SUPERSEDED_REASON, ...withLineItem };
}
