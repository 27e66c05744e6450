import { acceptedEventView, SUPERSEDED_REASON, type AcceptedEventFacts } from './event-state';

const facts = (over: Partial<AcceptedEventFacts>): AcceptedEventFacts => ({
  eventId: 'ev-1',
  data: { userId: 'u' },
  receivedAt: new Date('2026-01-01T00:00:00Z'),
  outcome: 'applied',
  submittedBy: null,
  current: true,
  rowStatus: 'pending',
  rowLastError: null,
  rowLineItemId: null,
  rowDeliveredAt: null,
  attempts: 0,
  attemptDeliveredAt: null,
  attemptFailure: null,
  attemptLineItemId: null,
  ...over,
});

describe('acceptedEventView', () => {
  it("follows the ledger row while the row holds the event's value", () => {
    expect(acceptedEventView(facts({ rowStatus: 'waiting_for_launch' })).state).toBe('waiting-for-launch');
    expect(acceptedEventView(facts({ rowStatus: 'failed', rowLastError: 'User not found', attempts: 1 }))).toMatchObject({ state: 'failed', reason: 'User not found', attempts: 1 });
    expect(acceptedEventView(facts({ rowStatus: 'delivered', rowDeliveredAt: new Date('2026-01-02T00:00:00Z'), rowLineItemId: 'li', submittedBy: 'g' }))).toEqual({
      id: 'ev-1', state: 'delivered', score: { userId: 'u' }, receivedAt: '2026-01-01T00:00:00.000Z', attempts: 0, submittedBy: 'g', lineItemId: 'li', deliveredAt: '2026-01-02T00:00:00.000Z',
    });
  });

  it('keeps what its own attempts reached once a newer value replaced it', () => {
    expect(acceptedEventView(facts({ current: false, attemptDeliveredAt: new Date('2026-01-02T00:00:00Z'), attempts: 2 }))).toMatchObject({ state: 'delivered', attempts: 2 });
    expect(acceptedEventView(facts({ current: false, attemptFailure: 'refused' }))).toMatchObject({ state: 'failed', reason: 'refused' });
    expect(acceptedEventView(facts({ current: false }))).toMatchObject({ state: 'superseded', reason: SUPERSEDED_REASON });
  });

  it('calls an event that arrived older than the row superseded, whatever the row reached', () => {
    expect(acceptedEventView(facts({ current: false, outcome: 'stale', attemptDeliveredAt: new Date() })).state).toBe('superseded');
  });
});
