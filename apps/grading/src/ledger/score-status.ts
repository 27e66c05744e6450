/**
 * Where a ledger row's latest value stands. SQL keeps the same words as
 * literals; TypeScript names them through SCORE_STATUS.
 */
export const SCORE_STATUS = {
  pending: 'pending',
  delivered: 'delivered',
  superseded: 'superseded',
  waitingForLaunch: 'waiting_for_launch',
  failed: 'failed',
} as const;

export type ScoreStatus = (typeof SCORE_STATUS)[keyof typeof SCORE_STATUS];

/** Every status, in the order the API documents them. */
export const SCORE_STATUSES = Object.values(SCORE_STATUS) as [ScoreStatus, ...ScoreStatus[]];
