import pino from 'pino';
import type { EventPublisher, OutgoingRecord } from '../event-publisher';
import { OutboxDrainer } from './outbox.drainer';
import type { OutboxStore, StoredOutboxRecord } from './outbox.store';

/** An in-memory table with the store's drain contract: rows leave only when publish resolved. */
class MemoryStore {
  rows: StoredOutboxRecord[] = [];
  failures: string[] = [];
  nextId = 1;

  add(topic: string, key: string): void {
    this.rows.push({ id: String(this.nextId++), topic, key, value: `{"key":"${key}"}`, attempts: 0 });
  }

  drain = async (limit: number, _lock: string, publish: (records: StoredOutboxRecord[]) => Promise<void>) => {
    const batch = this.rows.slice(0, limit);
    if (batch.length === 0) return { drained: 0, busy: false };
    await publish(batch);
    this.rows = this.rows.slice(batch.length);
    return { drained: batch.length, busy: false };
  };

  noteFailure = async (_limit: number, error: string) => {
    this.failures.push(error);
  };
}

const until = async (condition: () => boolean) => {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(condition()).toBe(true);
};

describe('OutboxDrainer', () => {
  function setup(publish: (topic: string, records: OutgoingRecord[]) => Promise<void>, options: { intervalMs?: number; gatherMs?: number } = {}) {
    const store = new MemoryStore();
    const onEmpty = jest.fn();
    const drainer = new OutboxDrainer(store as unknown as OutboxStore, { publish } as unknown as EventPublisher, {
      intervalMs: options.intervalMs ?? 10,
      gatherMs: options.gatherMs,
      batchSize: 3,
      publishTimeoutMs: 100,
      lockKey: '1',
      logger: pino({ level: 'silent' }),
      onEmpty,
    });
    return { store, drainer, onEmpty };
  }

  it('publishes oldest first, consecutive records of a topic together, then reports the table empty', async () => {
    const sent: Array<[string, string[]]> = [];
    const { store, drainer, onEmpty } = setup(async (topic, records) => {
      sent.push([topic, records.map((r) => r.key)]);
    });
    store.add('a', '1');
    store.add('a', '2');
    store.add('b', '3');
    store.add('a', '4');
    drainer.start();
    await until(() => onEmpty.mock.calls.length > 0);
    await drainer.stop();
    expect(sent).toEqual([
      ['a', ['1', '2']],
      ['b', ['3']],
      ['a', ['4']],
    ]);
    expect(store.rows).toHaveLength(0);
  });

  it('keeps the records while Kafka refuses them, counts the failure, and delivers once Kafka takes them', async () => {
    let up = false;
    const sent: string[] = [];
    const { store, drainer, onEmpty } = setup(async (_topic, records) => {
      if (!up) throw new Error('broker down');
      sent.push(...records.map((r) => r.key));
    });
    store.add('a', '1');
    drainer.start();
    await until(() => store.failures.length > 0);
    expect(store.rows).toHaveLength(1);
    expect(store.failures[0]).toBe('broker down');
    up = true;
    drainer.wake();
    await until(() => onEmpty.mock.calls.length > 0);
    await drainer.stop();
    expect(sent).toEqual(['1']);
  });

  it('gathers the records written right after a pass into the next one, however often it is woken', async () => {
    const sent: string[][] = [];
    const { store, drainer } = setup(
      async (_topic, records) => {
        sent.push(records.map((r) => r.key));
      },
      { intervalMs: 60_000, gatherMs: 100 },
    );
    store.add('a', '1');
    drainer.start();
    await until(() => sent.length === 1);
    for (const key of ['2', '3']) {
      store.add('a', key);
      drainer.wake();
      await new Promise((r) => setTimeout(r, 10));
    }
    await until(() => sent.length === 2);
    await drainer.stop();
    expect(sent).toEqual([['1'], ['2', '3']]);
  });
});
