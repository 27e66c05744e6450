import { CompletionBuffer, type CompletionStore } from './completion.buffer';
import type { CompletionResult } from './delivery-completion.service';
import type { ClaimedScore } from '../ledger/score-claim.repository';
import type { Completion } from './delivery-outcome';
import { settle } from './settle';

const row = (id: string): ClaimedScore => ({
  id,
  platformId: 'p',
  contextId: 'c',
  resourceLinkId: 'r',
  lineItemKey: '',
  lineItem: null,
  userId: id,
  version: 1,
  score: { userId: id, activityProgress: 'Completed', gradingProgress: 'FullyGraded', timestamp: '2026-01-01T00:00:00Z' },
  attempts: 0,
  firstAttemptAt: null,
  lastStatusCode: null,
  leaseOwner: 'l',
  timestampNs: '0',
  lease: { until: Date.now() + 60_000 },
  source: { eventId: `event-${id}`, correlationId: null },
});
const done = (id: string): Completion => ({ row: row(id), outcome: { kind: 'delivered', lineItemId: 'li' }, attemptedAt: new Date() });
const policy = { backoff: { baseMs: 1, maxMs: 1, random: () => 0 }, giveUpAfterMs: 1e9, relaunchGraceMs: 0, now: Date.now() };

class FlakyStore implements CompletionStore {
  batches: string[][] = [];
  failuresLeft = 0;
  async complete(completions: Completion[]): Promise<CompletionResult> {
    if (this.failuresLeft-- > 0) throw new Error('connection terminated');
    this.batches.push(completions.map((c) => c.row.id));
    return { settled: settle(completions, new Map(), policy), fenced: 0, staleContexts: [] };
  }
}

describe('CompletionBuffer', () => {
  it('records results in batches', async () => {
    const store = new FlakyStore();
    const buffer = new CompletionBuffer({ store, onStale: async () => undefined, lingerMs: 5 });
    for (const id of ['1', '2', '3']) buffer.add(done(id));
    await buffer.drain(1000);
    expect(store.batches).toEqual([['1', '2', '3']]);
  });

  it('keeps results through a database outage and records them once it is back', async () => {
    const store = new FlakyStore();
    store.failuresLeft = 2;
    const recorded: number[] = [];
    const buffer = new CompletionBuffer({
      store,
      onStale: async () => undefined,
      onRecorded: (r) => recorded.push(r.settled.length),
      lingerMs: 1,
    });
    buffer.add(done('1'));
    buffer.add(done('2'));
    await buffer.drain(5000);
    expect(store.batches).toEqual([['1', '2']]);
    expect(recorded).toEqual([2]);
    expect(buffer.size).toBe(0);
  });

  it('records the rest when the database refuses one result for what it holds, and leaves that row to its lease', async () => {
    const store = new FlakyStore();
    const refusing: CompletionStore = {
      complete: (completions) =>
        completions.some((c) => c.row.id === 'bad')
          ? Promise.reject(Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' }))
          : store.complete(completions),
    };
    const buffer = new CompletionBuffer({ store: refusing, onStale: async () => undefined, lingerMs: 1 });
    for (const id of ['1', 'bad', '3']) buffer.add(done(id));
    await buffer.drain(5000);
    expect(store.batches).toEqual([['1'], ['3']]);
    expect(buffer.size).toBe(0);
  });

  it('gathers the results that arrive during a flush for one more linger, so they share the next transaction', async () => {
    let finishFirst!: () => void;
    const batches: string[][] = [];
    const store: CompletionStore = {
      async complete(completions) {
        batches.push(completions.map((c) => c.row.id));
        if (batches.length === 1) await new Promise<void>((resolve) => (finishFirst = resolve));
        return { settled: settle(completions, new Map(), policy), fenced: 0, staleContexts: [] };
      },
    };
    const buffer = new CompletionBuffer({ store, onStale: async () => undefined, lingerMs: 30 });
    buffer.add(done('1'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(batches).toEqual([['1']]);
    buffer.add(done('2'));
    finishFirst();
    await new Promise((resolve) => setTimeout(resolve, 5));
    buffer.add(done('3'));
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(batches).toEqual([['1'], ['2', '3']]);
  });
});
