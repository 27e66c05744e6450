import { setTimeout as sleep } from 'node:timers/promises';
import type { ClaimedScore, ClaimRequest } from '../ledger/score-claim.repository';
import type { DeliveryGroupRunner, GroupHooks } from './delivery-group.runner';
import type { Completion } from './delivery-outcome';
import { DeliveryWorker, type ClaimSource, type DeliveryWorkerSettings } from './delivery.worker';

function row(id: number, owner: string): ClaimedScore {
  return {
    id: String(id),
    platformId: 'p',
    contextId: 'c',
    resourceLinkId: 'r',
    lineItemKey: '',
    lineItem: null,
    userId: `u${id}`,
    version: 1,
    score: { userId: `u${id}`, activityProgress: 'Completed', gradingProgress: 'FullyGraded', timestamp: '2026-03-01T11:00:00Z' },
    attempts: 0,
    firstAttemptAt: null,
    lastStatusCode: null,
    timestampNs: '0',
    leaseOwner: owner,
    lease: { until: Date.now() + 60_000 },
    source: { eventId: `event-${id}`, correlationId: null },
  };
}

/** A ledger of `due` rows handed out in claim order; counts the claims made. */
class FakeClaims implements ClaimSource {
  claims: number[] = [];
  renewals: Array<Array<{ owner: string; ids: readonly string[] }>> = [];
  private next = 1;
  constructor(public due: number) {}

  async claim(request: ClaimRequest): Promise<ClaimedScore[]> {
    const take = Math.min(request.limit, this.due);
    this.due -= take;
    this.claims.push(take);
    const owner = `claim-${this.claims.length}`;
    return Array.from({ length: take }, () => row(this.next++, owner));
  }

  async renew(claims: ReadonlyArray<{ owner: string; ids: readonly string[] }>): Promise<Set<string>> {
    this.renewals.push(claims.map((c) => ({ owner: c.owner, ids: [...c.ids] })));
    return new Set(claims.map((c) => c.owner));
  }
}

/** Finishes every row of a group a tick later, as a fast LMS would. */
const runner = {
  async run(rows: ClaimedScore[], hooks: GroupHooks): Promise<void> {
    for (const r of rows) {
      await sleep(0);
      hooks.sink.add({ row: r, outcome: { kind: 'delivered', lineItemId: 'li' }, attemptedAt: new Date() });
    }
  },
} as unknown as DeliveryGroupRunner;

const settings = (over: Partial<DeliveryWorkerSettings> = {}): DeliveryWorkerSettings => ({
  batchSize: 8,
  maxRowsInFlight: 16,
  leaseMs: 60_000,
  pollMs: 60_000,
  lookaheadSeconds: 2,
  ...over,
});

describe('DeliveryWorker', () => {
  let worker: DeliveryWorker | undefined;
  afterEach(async () => worker?.stop(1_000));

  function start(claims: FakeClaims, over: Partial<DeliveryWorkerSettings> = {}): Completion[] {
    const finished: Completion[] = [];
    worker = new DeliveryWorker(claims, runner, { add: (c) => finished.push(c) }, { rateOf: () => 100 }, settings(over));
    worker.start();
    return finished;
  }

  it('claims again as room frees while its claims come back full, and delivers every due row', async () => {
    const claims = new FakeClaims(40);
    const finished = start(claims);

    await waitFor(() => finished.length === 40);

    // Never more than a batch; only the claim after the last full one may come back empty.
    expect(claims.claims.reduce((a, b) => a + b, 0)).toBe(40);
    expect(claims.claims.every((n) => n <= 8)).toBe(true);
    expect(claims.claims.slice(0, -1).every((n) => n > 0)).toBe(true);
  });

  it('once a claim comes back short, waits for news of due rows rather than claiming as each row finishes', async () => {
    const claims = new FakeClaims(3);
    const finished = start(claims);
    await waitFor(() => finished.length === 3);
    await sleep(20);

    // One short claim took everything; the rows finishing asked for nothing more.
    expect(claims.claims).toEqual([3]);

    claims.due = 5;
    worker!.nudge();
    await waitFor(() => finished.length === 8);
    expect(claims.claims).toEqual([3, 5]);
  });

  it('renews its claims by the ids of the rows they hold', async () => {
    const claims = new FakeClaims(0);
    start(claims, { leaseMs: 2_000 });
    claims.due = 2;
    // Rows held without finishing: the runner never completes them.
    const holding = { run: () => new Promise<void>(() => undefined) } as unknown as DeliveryGroupRunner;
    await worker!.stop(10);
    worker = new DeliveryWorker(claims, holding, { add: () => undefined }, { rateOf: () => 100 }, settings({ leaseMs: 2_000 }));
    worker.start();

    await waitFor(() => claims.renewals.length > 0, 2_000);

    const [renewal] = claims.renewals;
    expect(renewal).toEqual([{ owner: expect.any(String), ids: ['1', '2'] }]);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 1_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}
