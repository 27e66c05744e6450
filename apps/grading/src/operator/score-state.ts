import { SCORE_STATUS, type ScoreStatus } from '../ledger/score-status';

/**
 * The states operators read for a score, named as grading's per-event view
 * names them (`GET /v1/scores/events/{id}`), so the console can switch to
 * that view without renaming anything.
 */
export type ScoreState = 'pending' | 'waiting-for-launch' | 'delivered' | 'superseded' | 'failed' | 'dead-lettered';

export const SCORE_STATES: readonly ScoreState[] = ['pending', 'waiting-for-launch', 'delivered', 'superseded', 'failed', 'dead-lettered'];

/**
 * A ledger row's state. A row that failed for good is `dead-lettered` while
 * its dead letter waits for an operator, and `failed` once that letter was
 * retried or is gone (then the row waits for a newer score).
 */
export function ledgerRowState(row: { status: ScoreStatus; openDeadLetter: boolean }): ScoreState {
  switch (row.status) {
    case SCORE_STATUS.waitingForLaunch:
      return 'waiting-for-launch';
    case SCORE_STATUS.delivered:
      return 'delivered';
    case SCORE_STATUS.superseded:
      return 'superseded';
    case SCORE_STATUS.failed:
      return row.openDeadLetter ? 'dead-lettered' : 'failed';
    case SCORE_STATUS.pending:
      return 'pending';
  }
}
