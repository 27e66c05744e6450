import { contextKey } from '@app/contracts';
import type { ContextState } from '../contexts/contexts.repository';
import type { ClaimedScore } from '../ledger/score-claim.repository';
import type { Completion, Outcome } from './delivery-outcome';
import { settle, type SettlePolicy } from './settle';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const triple = { platformId: 'p', contextId: 'c', resourceLinkId: 'r' };
const row: ClaimedScore = {
  id: '1',
  ...triple,
  lineItemKey: '',
  lineItem: null,
  userId: 'u',
  version: 3,
  score: { userId: 'u', activityProgress: 'Completed', gradingProgress: 'FullyGraded', timestamp: '2026-03-01T11:00:00Z' },
  attempts: 0,
  firstAttemptAt: null,
  lastStatusCode: null,
  leaseOwner: 'lease',
  timestampNs: '0',
  lease: { until: NOW + 30_000 },
  source: { eventId: 'event-1', correlationId: null },
};
const policy: SettlePolicy = { backoff: { baseMs: 1000, maxMs: 60_000, random: () => 0.5 }, giveUpAfterMs: 24 * 3_600_000, relaunchGraceMs: 120_000, now: NOW };
const at = new Date(NOW);

function one(outcome: Outcome, options: { context?: Partial<ContextState>; row?: Partial<ClaimedScore> } = {}) {
  const contexts = new Map<string, ContextState>();
  if (options.context) {
    contexts.set(contextKey(triple), {
      ...triple,
      agsAvailable: true,
      agsLineItemId: null,
      nrpsAvailable: true,
      lastLaunchAt: null,
      launchSeenAt: null,
      credentialStaleAt: null,
      readAt: new Date(NOW),
      ...options.context,
    });
  }
  const completion: Completion = { row: { ...row, ...options.row }, outcome, attemptedAt: at };
  return settle([completion], contexts, policy)[0];
}

describe('settle', () => {
  it('keeps what the attempt says for delivered, superseded and failed values', () => {
    expect(one({ kind: 'delivered', lineItemId: 'li' })).toMatchObject({ kind: 'delivered', lineItemId: 'li' });
    expect(one({ kind: 'superseded', statusCode: 409, message: 'older' })).toMatchObject({ kind: 'superseded', statusCode: 409 });
    expect(one({ kind: 'failed', statusCode: 422, message: 'not a student' })).toMatchObject({ kind: 'failed', message: 'not a student' });
  });

  it('gives up a retry once the horizon since the first attempt has passed', () => {
    const retry: Outcome = { kind: 'retry', delayMs: 5000, statusCode: 500, message: 'boom' };
    expect(one(retry, { row: { firstAttemptAt: new Date(NOW - 3_600_000) } })).toMatchObject({ kind: 'retry', delayMs: 5000 });
    const given = one(retry, { row: { firstAttemptAt: new Date(NOW - 25 * 3_600_000) } });
    expect(given.kind).toBe('failed');
    expect(given.message).toMatch(/gave up after 24 h.*boom/);
  });

  describe('a credential problem', () => {
    const rejected = (capturedAt: string | null): Outcome => ({ kind: 'credential', problem: { type: 'rejected', capturedAt }, statusCode: 401, message: 'invalid' });

    it('waits for a launch, and marks the key that failed stale, when no newer launch was seen', () => {
      const s = one(rejected('2026-03-01T10:00:00.123456Z'), { context: { lastLaunchAt: new Date('2026-03-01T10:00:00.123Z'), launchSeenAt: new Date(NOW - 1000) } });
      expect(s).toMatchObject({ kind: 'waiting_for_launch', markStale: true, staleCapturedAt: '2026-03-01T10:00:00.123456Z' });
    });

    it('retries shortly when grading just took in a launch newer than the key: the vault is catching up', () => {
      const s = one(rejected('2026-03-01T10:00:00Z'), { context: { lastLaunchAt: new Date('2026-03-01T11:59:50Z'), launchSeenAt: new Date(NOW - 10_000) } });
      expect(s.kind).toBe('retry');
      expect(s.markStale).toBe(false);
      expect(s.delayMs).toBeLessThanOrEqual(5250);
    });

    it('waits when that launch was taken in longer ago than the grace period', () => {
      expect(one(rejected('2026-03-01T10:00:00Z'), { context: { lastLaunchAt: new Date('2026-03-01T11:00:00Z'), launchSeenAt: new Date(NOW - 300_000) } }).kind).toBe(
        'waiting_for_launch',
      );
    });

    it('waits for a launch when the vault has no key, unless one was just taken in', () => {
      const missing: Outcome = { kind: 'credential', problem: { type: 'missing' }, message: 'none' };
      expect(one(missing).kind).toBe('waiting_for_launch');
      expect(one(missing, { context: { launchSeenAt: new Date(NOW - 1000) } }).kind).toBe('retry');
    });

    it('treats a stale key as fixed only by a launch taken in after it was found stale', () => {
      const stale: Outcome = { kind: 'credential', problem: { type: 'stale' }, message: 'stale' };
      expect(one(stale, { context: { launchSeenAt: new Date(NOW - 5000), credentialStaleAt: new Date(NOW - 1000) } }).kind).toBe('waiting_for_launch');
      expect(one(stale, { context: { launchSeenAt: new Date(NOW - 1000), credentialStaleAt: new Date(NOW - 5000) } }).kind).toBe('retry');
    });
  });

  it('puts a row back unchanged, due after the delay it was given, without counting an attempt', () => {
    expect(one({ kind: 'released', delayMs: 500 })).toMatchObject({ kind: 'released', delayMs: 500, statusCode: null });
    expect(one({ kind: 'released' })).toMatchObject({ kind: 'released', delayMs: 0 });
  });
});
