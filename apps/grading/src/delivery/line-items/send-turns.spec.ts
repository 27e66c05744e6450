import type { SendTurn, SendTurnRequest } from './line-item-sends.repository';
import { SendTurns, type SendTurnStore } from './send-turns';

const request = (userId: string, timestampNs: string, lineItemId = 'li-1'): SendTurnRequest => ({
  platformId: 'p',
  contextId: 'c',
  lineItemId,
  userId,
  timestampNs,
  scoreId: '1',
  owner: '00000000-0000-0000-0000-000000000001',
});

class Store implements SendTurnStore {
  batches: SendTurnRequest[][] = [];
  async take(requests: SendTurnRequest[]): Promise<SendTurn[]> {
    this.batches.push(requests);
    return requests.map(() => 'go');
  }
}

describe('SendTurns', () => {
  it('asks for every turn ready in the same tick in one round trip', async () => {
    const store = new Store();
    const turns = new SendTurns(store, 22_000);
    const answers = await Promise.all([turns.take(request('u1', '1')), turns.take(request('u2', '1')), turns.take(request('u3', '1', 'li-2'))]);
    expect(answers).toEqual(['go', 'go', 'go']);
    expect(store.batches).toHaveLength(1);
  });

  it('lets only the newest of two posts to one (line item, user) ask; the other is busy and comes back', async () => {
    const store = new Store();
    const turns = new SendTurns(store, 22_000);
    // Nanosecond timestamps beyond 2^53 still compare exactly.
    const answers = await Promise.all([turns.take(request('u1', '1767225600000000001')), turns.take(request('u1', '1767225600000000002'))]);
    expect(answers).toEqual(['busy', 'go']);
    expect(store.batches[0].map((r) => r.timestampNs)).toEqual(['1767225600000000002']);
  });

  it('fails the batch when the database does', async () => {
    const turns = new SendTurns({ take: () => Promise.reject(new Error('connection refused')) }, 22_000);
    await expect(turns.take(request('u1', '1'))).rejects.toThrow('connection refused');
  });
});
