import pino from 'pino';
import type { EventPublisher, OutgoingRecord } from '../event-publisher';
import type { OutboxDrainer } from './outbox.drainer';
import type { OutboxRecord, OutboxStore } from './outbox.store';
import { ReliablePublisher } from './reliable-publisher';

class FakeKafka {
  sends: Array<{ topic: string; records: OutgoingRecord[] }> = [];
  failing = false;
  pending: Array<() => void> = [];
  manual = false;

  connect = async (): Promise<void> => undefined;

  publish = async (topic: string, records: OutgoingRecord[]): Promise<void> => {
    if (this.manual) await new Promise<void>((resolve) => this.pending.push(resolve));
    if (this.failing) throw new Error('broker unavailable');
    this.sends.push({ topic, records });
  };

  release(): void {
    for (const resolve of this.pending.splice(0)) resolve();
  }
}

class FakeStore {
  rows: OutboxRecord[] = [];
  failing = false;
  appendGate?: Promise<void>;

  append = async (records: readonly OutboxRecord[]): Promise<void> => {
    await this.appendGate;
    if (this.failing) throw new Error('database unavailable');
    this.rows.push(...records);
  };

  isEmpty = async (): Promise<boolean> => this.rows.length === 0;
}

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));
const record = (n: number) => ({ topic: 'events', key: `k${n % 2}`, value: { n } });

function setup(options: { lingerMs?: number; maxBatch?: number } = {}) {
  const kafka = new FakeKafka();
  const store = new FakeStore();
  const drainer = { start: jest.fn(), stop: jest.fn(async () => undefined), wake: jest.fn() };
  const publisher = new ReliablePublisher(kafka as unknown as EventPublisher, store as unknown as OutboxStore, drainer as unknown as OutboxDrainer, {
    lingerMs: options.lingerMs ?? 5,
    maxBatch: options.maxBatch ?? 100,
    publishTimeoutMs: 50,
    logger: pino({ level: 'silent' }),
  });
  return { kafka, store, drainer, publisher };
}

const values = (records: Array<{ value: unknown }>) => records.map((r) => JSON.parse(String(r.value)).n as number);

describe('ReliablePublisher', () => {
  it('routes through the outbox until it has looked at it, then publishes straight to Kafka', async () => {
    const { kafka, publisher, drainer, store } = setup();
    await publisher.start();
    expect(drainer.start).toHaveBeenCalled();
    expect(publisher.routingThroughOutbox).toBe(false);
    await expect(publisher.send(record(1))).resolves.toBe('kafka');
    expect(kafka.sends).toHaveLength(1);
    expect(store.rows).toHaveLength(0);
  });

  it('starts behind the outbox when an earlier run left records there', async () => {
    const { publisher, store } = setup();
    store.rows.push({ topic: 'events', key: 'k', value: '{}' });
    await publisher.start();
    expect(publisher.routingThroughOutbox).toBe(true);
    await expect(publisher.send(record(1))).resolves.toBe('outbox');
  });

  it('sends records that arrive within the linger in one request, serialised as JSON', async () => {
    const { kafka, publisher } = setup({ lingerMs: 20 });
    await publisher.start();
    const routes = await Promise.all([1, 2, 3].map((n) => publisher.send(record(n))));
    expect(routes).toEqual(['kafka', 'kafka', 'kafka']);
    expect(kafka.sends).toHaveLength(1);
    expect(values(kafka.sends[0].records)).toEqual([1, 2, 3]);
  });

  it('keeps one request in flight; what arrives meanwhile goes next, in order', async () => {
    const { kafka, publisher } = setup({ lingerMs: 1 });
    await publisher.start();
    kafka.manual = true;
    const first = publisher.send(record(1));
    await tick(5);
    const later = [publisher.send(record(2)), publisher.send(record(3))];
    await tick(5);
    expect(kafka.pending).toHaveLength(1);
    kafka.release();
    await first;
    await tick(1);
    kafka.release();
    await Promise.all(later);
    expect(kafka.sends.map((s) => values(s.records))).toEqual([[1], [2, 3]]);
  });

  it('splits at maxBatch', async () => {
    const { kafka, publisher } = setup({ lingerMs: 50, maxBatch: 2 });
    await publisher.start();
    await Promise.all([1, 2, 3, 4, 5].map((n) => publisher.send(record(n))));
    expect(kafka.sends.map((s) => values(s.records))).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('puts a batch Kafka did not take into the outbox, and everything after it too, in order', async () => {
    const { kafka, store, publisher, drainer } = setup();
    await publisher.start();
    kafka.failing = true;
    await expect(Promise.all([publisher.send(record(1)), publisher.send(record(2))])).resolves.toEqual(['outbox', 'outbox']);
    kafka.failing = false;
    await expect(publisher.send(record(3))).resolves.toBe('outbox');
    expect(kafka.sends).toHaveLength(0);
    expect(store.rows.map((r) => JSON.parse(r.value).n)).toEqual([1, 2, 3]);
    expect(drainer.wake).toHaveBeenCalled();
  });

  it('returns to Kafka only after the drainer found the outbox empty', async () => {
    const { kafka, store, publisher } = setup();
    await publisher.start();
    kafka.failing = true;
    await publisher.send(record(1));
    kafka.failing = false;
    await publisher.outboxSeenEmpty();
    expect(publisher.routingThroughOutbox).toBe(true);
    store.rows = [];
    await publisher.outboxSeenEmpty();
    expect(publisher.routingThroughOutbox).toBe(false);
    await expect(publisher.send(record(2))).resolves.toBe('kafka');
  });

  it('stays behind the outbox while an outbox write is still running', async () => {
    const { kafka, store, publisher } = setup();
    await publisher.start();
    kafka.failing = true;
    let open!: () => void;
    store.appendGate = new Promise((resolve) => (open = resolve));
    const parked = publisher.send(record(1));
    await tick(80);
    await publisher.outboxSeenEmpty();
    expect(publisher.routingThroughOutbox).toBe(true);
    open();
    await parked;
  });

  it('fails the callers when neither Kafka nor the outbox takes their records', async () => {
    const { kafka, store, publisher } = setup();
    await publisher.start();
    kafka.failing = true;
    store.failing = true;
    await expect(publisher.send(record(1))).rejects.toThrow('database unavailable');
  });

  it('flushes what is queued when it stops', async () => {
    const { kafka, publisher, drainer } = setup({ lingerMs: 10_000 });
    await publisher.start();
    const sent = publisher.send(record(1));
    await publisher.stop();
    await expect(sent).resolves.toBe('kafka');
    expect(kafka.sends).toHaveLength(1);
    expect(drainer.stop).toHaveBeenCalled();
  });
});
