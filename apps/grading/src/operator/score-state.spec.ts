import { ledgerRowState } from './score-state';

describe('ledgerRowState', () => {
  it('names ledger statuses as the per-event view does', () => {
    expect(ledgerRowState({ status: 'pending', openDeadLetter: false })).toBe('pending');
    expect(ledgerRowState({ status: 'waiting_for_launch', openDeadLetter: false })).toBe('waiting-for-launch');
    expect(ledgerRowState({ status: 'delivered', openDeadLetter: false })).toBe('delivered');
    expect(ledgerRowState({ status: 'superseded', openDeadLetter: false })).toBe('superseded');
  });

  it('calls a failed row dead-lettered while its letter waits for an operator, failed after', () => {
    expect(ledgerRowState({ status: 'failed', openDeadLetter: true })).toBe('dead-lettered');
    expect(ledgerRowState({ status: 'failed', openDeadLetter: false })).toBe('failed');
  });
});
