import { LtiaasCredentialInvalidError, LtiaasNotFoundError, LtiaasRetryableError, type LineItem, type LtiaasCredential, type Score } from '@app/ltiaas';
import { Semaphore } from '../common/semaphore';
import { CredentialResolver } from '../credentials/credential.resolver';
import type { ClaimedScore } from '../ledger/score-claim.repository';
import type { Completion } from './delivery-outcome';
import { DeliveryGroupRunner, type PlatformGate, type TurnGate } from './delivery-group.runner';
import { LineItemResolver, type LineItemStore } from './line-items/line-item.resolver';
import { TURN_START_WINDOW_MS } from './line-items/send-turns';
import { CredentialUnavailableError, type LtiaasPort, type VaultPort } from '../credentials/ports';
import { AccountKeyCheck } from '../credentials/account-key.check';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const clock = { now: () => NOW };
const triple = { platformId: 'p', contextId: 'c', resourceLinkId: 'r' };

function row(userId: string, over: Partial<ClaimedScore> = {}): ClaimedScore {
  return {
    id: userId,
    ...triple,
    lineItemKey: '',
    lineItem: null,
    userId,
    version: 1,
    score: { userId, scoreGiven: 1, scoreMaximum: 10, activityProgress: 'Completed', gradingProgress: 'FullyGraded', timestamp: '2026-03-01T11:00:00.000001Z' },
    attempts: 0,
    firstAttemptAt: null,
    lastStatusCode: null,
    leaseOwner: 'lease',
    timestampNs: '0',
    lease: { until: NOW + 30_000 },
    source: { eventId: 'event-1', correlationId: null },
    ...over,
  };
}

class FakeLtiaas implements LtiaasPort {
  posted: Array<{ cred: LtiaasCredential; lineItemId: string; score: Score }> = [];
  /** LTIAAS refuses the account API key itself. */
  apiKeyRefused = false;
  async checkApiKey() {
    if (this.apiKeyRefused) throw new LtiaasCredentialInvalidError('Invalid API key', { status: 401 });
  }
  /** Every user a post was attempted for, failed ones included. */
  attempted: string[] = [];
  failFor = new Map<string, Error>();
  lineItems: LineItem[] = [];
  created: LineItem[] = [];

  async postScore(cred: LtiaasCredential, lineItemId: string, score: Score) {
    this.attempted.push(score.userId);
    const failure = this.failFor.get(score.userId);
    if (failure) throw failure;
    this.posted.push({ cred, lineItemId, score });
    return { requestId: 'x', rateLimitRemaining: undefined };
  }
  async listLineItems() {
    return this.lineItems;
  }
  async createLineItem(_cred: LtiaasCredential, input: { label: string; scoreMaximum: number; resourceLinkId?: string }) {
    const item = { id: `https://lms/li/${this.created.length + 1}`, ...input };
    this.created.push(item);
    this.lineItems.push(item);
    return item;
  }
}

class MemoryLineItems implements LineItemStore {
  saved = new Map<string, string>();
  async find(_t: unknown, key: string) {
    return this.saved.get(key);
  }
  async save(_t: unknown, key: string, id: string) {
    this.saved.set(key, id);
  }
  async forget(_t: unknown, key: string) {
    this.saved.delete(key);
  }
  async exclusively<T>(_t: unknown, _k: string, fn: () => Promise<T>) {
    return fn();
  }
}

const openGate: PlatformGate & { reports: Array<{ throttled: boolean }> } = {
  reports: [],
  async acquire() {},
  report(_p, result) {
    this.reports.push(result);
  },
};

function setup(options: { vault?: Partial<VaultPort>; launchLineItem?: string | null; turns?: TurnGate; slots?: Semaphore; clock?: { now(): number } } = {}) {
  const ltiaas = new FakeLtiaas();
  const vault: VaultPort = {
    resolve: async () => ({ serviceKey: 'svc-1', capturedAt: '2026-03-01T10:00:00.000000Z' }),
    markStale: async () => undefined,
    ...options.vault,
  };
  const completions: Completion[] = [];
  const runner = new DeliveryGroupRunner({
    ltiaas,
    credentials: new CredentialResolver(vault, clock, 60_000),
    lineItems: new LineItemResolver(ltiaas, new MemoryLineItems(), { launchLineItemId: async () => (options.launchLineItem === undefined ? 'https://lms/launch-li' : options.launchLineItem) }, clock),
    gate: openGate,
    slots: options.slots ?? new Semaphore(4),
    nextUp: new Semaphore(2),
    clock: options.clock ?? clock,
    backoff: { baseMs: 1000, maxMs: 60_000, random: () => 0.5 },
    accountKey: new AccountKeyCheck(ltiaas, clock),
    turns: options.turns,
  });
  const hooks = { sink: { add: (c: Completion) => completions.push(c) } };
  const run = (rows: ClaimedScore[]) => runner.run(rows, hooks);
  const kinds = () => Object.fromEntries(completions.map((c) => [c.row.userId, c.outcome.kind]));
  return { ltiaas, run, completions, kinds };
}

describe('DeliveryGroupRunner', () => {
  it("posts every row to the launch's line item with the serviceKey, timestamp included", async () => {
    const { ltiaas, run, kinds } = setup();
    await run([row('u1'), row('u2')]);
    expect(kinds()).toEqual({ u1: 'delivered', u2: 'delivered' });
    expect(ltiaas.posted.map((p) => [p.lineItemId, p.cred.serviceKey, p.score.timestamp])).toEqual([
      ['https://lms/launch-li', 'svc-1', '2026-03-01T11:00:00.000001Z'],
      ['https://lms/launch-li', 'svc-1', '2026-03-01T11:00:00.000001Z'],
    ]);
  });

  it('creates the line item a selector names, once, when the LMS has none', async () => {
    const { ltiaas, run, kinds } = setup({ launchLineItem: null });
    const selector = { resourceId: 'quiz-1', label: 'Quiz 1', scoreMaximum: 50 };
    await run([row('u1', { lineItemKey: 'quiz', lineItem: selector }), row('u2', { lineItemKey: 'quiz', lineItem: selector })]);
    expect(kinds()).toEqual({ u1: 'delivered', u2: 'delivered' });
    expect(ltiaas.created).toEqual([{ id: 'https://lms/li/1', label: 'Quiz 1', scoreMaximum: 50, resourceLinkId: 'r', resourceId: 'quiz-1' }]);
  });

  it('fails a selector that matches nothing and cannot create, without posting', async () => {
    const { ltiaas, run, completions } = setup({ launchLineItem: null });
    await run([row('u1', { lineItemKey: 'x', lineItem: { tag: 'missing' } })]);
    expect(completions[0].outcome).toMatchObject({ kind: 'failed', message: expect.stringMatching(/no line item matches tag="missing"/) });
    expect(ltiaas.posted).toEqual([]);
  });

  it('stops the whole group when the serviceKey is refused: the unsent rows wait with it', async () => {
    const { ltiaas, run, completions } = setup();
    ltiaas.failFor.set('u1', new LtiaasCredentialInvalidError('401', { status: 401 }));
    const rows = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'].map((u) => row(u));
    await run(rows);
    const credential = completions.filter((c) => c.outcome.kind === 'credential');
    expect(credential.length).toBeGreaterThanOrEqual(1);
    expect(credential[0].outcome).toMatchObject({ problem: { type: 'rejected', capturedAt: '2026-03-01T10:00:00.000000Z' } });
    // Four slots: u1..u4 were already in flight, u5 and u6 never go out.
    expect(ltiaas.posted.map((p) => p.score.userId)).not.toContain('u6');
    expect(completions).toHaveLength(6);
  });

  it('retries, and leaves the serviceKey alone, when what LTIAAS refuses is the account API key', async () => {
    const { ltiaas, run, completions } = setup();
    ltiaas.apiKeyRefused = true;
    ltiaas.failFor.set('u1', new LtiaasCredentialInvalidError('401', { status: 401 }));
    await run([row('u1'), row('u2')]);
    expect(completions.find((c) => c.row.userId === 'u1')?.outcome).toMatchObject({ kind: 'retry', message: expect.stringContaining('LTIAAS_API_KEY') });
    expect(completions.some((c) => c.outcome.kind === 'credential')).toBe(false);
  });

  it('hands every row the vault problem when there is no key', async () => {
    const { run, kinds, ltiaas } = setup({ vault: { resolve: async () => Promise.reject(new CredentialUnavailableError('missing', 'no key')) } });
    await run([row('u1'), row('u2')]);
    expect(kinds()).toEqual({ u1: 'credential', u2: 'credential' });
    expect(ltiaas.posted).toEqual([]);
  });

  it('retries a row whose line item vanished once, after forgetting the line item', async () => {
    const { ltiaas, run, completions } = setup();
    ltiaas.failFor.set('u1', new LtiaasNotFoundError('404', { status: 404 }));
    await run([row('u1')]);
    expect(completions[0].outcome).toMatchObject({ kind: 'retry', statusCode: 404 });
    ltiaas.failFor.set('u2', new LtiaasNotFoundError('404', { status: 404 }));
    await run([row('u2', { lastStatusCode: 404 })]);
    expect(completions[1].outcome).toMatchObject({ kind: 'failed', statusCode: 404 });
  });

  it('gives every row already on its way to a vanished line item its one retry, and releases the unsent ones', async () => {
    const { ltiaas, run, completions } = setup();
    const gone = new LtiaasNotFoundError('404', { status: 404 });
    for (const u of ['u1', 'u2', 'u3', 'u4', 'u5', 'u6']) ltiaas.failFor.set(u, gone);
    await run(['u1', 'u2', 'u3', 'u4', 'u5', 'u6'].map((u) => row(u)));
    const attempted = new Set(ltiaas.attempted);
    for (const c of completions) {
      expect([c.row.id, c.outcome.kind]).toEqual([c.row.id, attempted.has(c.row.score.userId) ? 'retry' : 'released']);
    }
    expect(completions.filter((c) => c.outcome.kind === 'retry').length).toBeGreaterThan(1);
  });

  it('reports throttling to the platform gate and retries after Retry-After', async () => {
    const { ltiaas, run, completions } = setup();
    openGate.reports.length = 0;
    ltiaas.failFor.set('u1', new LtiaasRetryableError('429', 'rate-limited', 3000, { status: 429 }));
    await run([row('u1')]);
    expect(openGate.reports).toEqual([{ throttled: true, remaining: undefined, sentAt: NOW }]);
    expect(completions[0].outcome).toMatchObject({ kind: 'retry', delayMs: 3000 });
  });

  it('releases unsent a row whose lease is too close to its end', async () => {
    const { ltiaas, run, completions } = setup();
    await run([row('u1', { lease: { until: NOW - 1 } })]);
    expect(completions[0].outcome).toEqual({ kind: 'released' });
    expect(ltiaas.posted).toEqual([]);
  });

  it('posts only with the turn at the LMS line item: an older value than one sent there is superseded, a busy one retries shortly', async () => {
    const asked: Array<{ userId: string; lineItemId: string }> = [];
    const turns: TurnGate = {
      async take(request) {
        asked.push({ userId: request.userId, lineItemId: request.lineItemId });
        return request.userId === 'u1' ? 'go' : request.userId === 'u2' ? 'older' : 'busy';
      },
    };
    const { ltiaas, run, completions } = setup({ turns });
    await run([row('u1'), row('u2'), row('u3')]);
    expect(ltiaas.attempted).toEqual(['u1']);
    expect(asked.every((a) => a.lineItemId === 'https://lms/launch-li')).toBe(true);
    const byUser = Object.fromEntries(completions.map((c) => [c.row.userId, c]));
    expect(byUser.u1).toMatchObject({ outcome: { kind: 'delivered' }, turnOf: 'https://lms/launch-li' });
    expect(byUser.u2.outcome).toMatchObject({ kind: 'superseded', message: expect.stringMatching(/newer score .* already sent/) });
    expect(byUser.u2.turnOf).toBeUndefined();
    expect(byUser.u3.outcome).toEqual({ kind: 'released', delayMs: 500 });
  });

  it('keeps the turn taken after a post that got no answer: it may still land', async () => {
    const turns: TurnGate = { take: async () => 'go' };
    const { ltiaas, run, completions } = setup({ turns });
    ltiaas.failFor.set('u1', new LtiaasRetryableError('headers timeout', 'timeout', undefined, {}, 'UND_ERR_HEADERS_TIMEOUT'));
    ltiaas.failFor.set('u2', new LtiaasRetryableError('Internal Server Error', 'server-error', undefined, { status: 500 }));
    await run([row('u1'), row('u2')]);
    const byUser = Object.fromEntries(completions.map((c) => [c.row.userId, c]));
    expect(byUser.u1.outcome.kind).toBe('retry');
    expect(byUser.u1.turnOf).toBeUndefined();
    expect(byUser.u2.turnOf).toBe('https://lms/launch-li');
  });

  it('takes turns while waiting for a request slot, a few rows at a time', async () => {
    const slots = new Semaphore(1);
    const busy = await slots.acquire();
    const asked: string[] = [];
    const turns: TurnGate = {
      async take(request) {
        asked.push(request.userId);
        return 'go';
      },
    };
    const { ltiaas, run, completions } = setup({ turns, slots });
    const running = run([row('u1'), row('u2'), row('u3'), row('u4')]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    // Every slot is taken: two rows (the next-up stage) hold their turn, the others have not asked.
    expect(asked).toEqual(['u1', 'u2']);
    busy();
    await running;
    expect(ltiaas.attempted).toEqual(['u1', 'u2', 'u3', 'u4']);
    expect(completions.every((c) => c.outcome.kind === 'delivered' && c.turnOf === 'https://lms/launch-li')).toBe(true);
  });

  it('gives a turn back unused when its slot came too late for the turn to cover the post', async () => {
    let now = NOW;
    const slots = new Semaphore(1);
    const busy = await slots.acquire();
    const turns: TurnGate = { take: async () => 'go' };
    const { ltiaas, run, completions } = setup({ turns, slots, clock: { now: () => now } });
    const running = run([row('u1')]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    now += TURN_START_WINDOW_MS + 1;
    busy();
    await running;
    expect(ltiaas.attempted).toEqual([]);
    expect(completions).toEqual([expect.objectContaining({ outcome: { kind: 'released' }, turnOf: 'https://lms/launch-li' })]);
  });
});
