// Grading's outcome events in the messaging library's outbox, over the real
// PostgreSQL and grading's real migrations: the upgrade carries events still
// waiting in the old outcome_outbox over in their order (and back on revert),
// and the events appended with a delivery result leave in order, one drainer
// at a time.
import { DataSource } from 'typeorm';
import { TOPICS } from '@app/contracts';
import { advisoryLockKey, dataSourceOptions, prepareDatabase } from '@app/database';
import { OutboxStore, type StoredOutboxRecord } from '@app/messaging';
import { gradingDatabase } from '../../apps/grading/src/grading.database';
import { MoveOutcomeEventsToTheSharedOutbox1764750000000 } from '../../apps/grading/src/migrations/1764750000000-move-outcome-events-to-the-shared-outbox';
import { OutcomeOutboxRepository } from '../../apps/grading/src/outcomes/outcome-outbox.repository';
import { createTestDatabase, dropTestDatabase } from '../support/infra';

const LOCK = advisoryLockKey('outbox:grading');
const stampOf = (migration: { name: string }) => Number(/(\d{13})$/.exec(migration.name)![1]);

describe('grading outcome outbox', () => {
  let databaseUrl: string;
  let db: DataSource;

  beforeAll(async () => {
    databaseUrl = await createTestDatabase('outcome_outbox');
  });

  afterAll(async () => {
    if (db?.isInitialized) await db.destroy();
    if (databaseUrl) await dropTestDatabase(databaseUrl);
  });

  it('carries the outcome events still waiting over to the shared outbox in their order, and back on revert', async () => {
    const options = gradingDatabase({ DATABASE_URL: databaseUrl });
    const move = stampOf(MoveOutcomeEventsToTheSharedOutbox1764750000000);
    const before = (options.migrations as Array<{ name: string }>).filter((m) => stampOf(m) < move);
    await prepareDatabase({ ...options, migrations: before as unknown as typeof options.migrations });
    db = new DataSource(dataSourceOptions({ ...options, poolSize: 4 }));
    await db.initialize();
    const events = [1, 2, 3].map((n) => ({ key: `["p","c","r${n}"]`, event: { id: `outcome-${n}`, data: { attempts: n, reason: 'naïve "quotes" \\ kept' } } }));
    // As the previous version wrote them.
    for (const { key, event } of events) await db.query(`INSERT INTO grading.outcome_outbox (key, event) VALUES ($1, $2::jsonb)`, [key, JSON.stringify(event)]);

    await prepareDatabase(options);
    const moved: Array<{ topic: string; key: string; value: string }> = await db.query(`SELECT topic, key, value FROM grading.outbox ORDER BY id`);
    expect(moved.map((r) => ({ topic: r.topic, key: r.key, event: JSON.parse(r.value) }))).toEqual(events.map((e) => ({ topic: TOPICS.scoreDelivered, ...e })));
    expect((await db.query(`SELECT to_regclass('grading.outcome_outbox') AS t`))[0].t).toBeNull();

    // Reverted back to before the move, with whatever came after it.
    const fromMove = (options.migrations as Array<{ name: string }>).filter((m) => stampOf(m) >= move).length;
    for (let i = 0; i < fromMove; i++) await db.undoLastMigration({ transaction: 'each' });
    const back: Array<{ key: string; event: unknown }> = await db.query(`SELECT key, event FROM grading.outcome_outbox ORDER BY id`);
    expect(back).toEqual(events);
    expect((await db.query(`SELECT to_regclass('grading.outbox') AS t`))[0].t).toBeNull();

    await prepareDatabase(options);
    expect(await new OutboxStore(db, { schema: 'grading' }).count()).toBe(3);
    await db.query(`DELETE FROM grading.outbox`);
  });

  it('keeps the events appended in a transaction only if it commits, and drains them oldest first', async () => {
    const store = new OutboxStore(db, { schema: 'grading' });
    const outcomes = new OutcomeOutboxRepository(store);
    await db.transaction((tx) => outcomes.append(tx, [
      { key: 'a', event: { n: 1 } },
      { key: 'b', event: { n: 2 } },
    ]));
    await expect(
      db.transaction(async (tx) => {
        await outcomes.append(tx, [{ key: 'c', event: { n: 3 } }]);
        throw new Error('the delivery results were not recorded');
      }),
    ).rejects.toThrow('the delivery results were not recorded');
    await db.transaction((tx) => outcomes.append(tx, [{ key: 'd', event: { n: 4 } }]));

    const published: StoredOutboxRecord[] = [];
    await expect(store.drain(2, LOCK, async (records) => void published.push(...records))).resolves.toEqual({ drained: 2, busy: false });
    await expect(store.drain(2, LOCK, async (records) => void published.push(...records))).resolves.toEqual({ drained: 1, busy: false });
    expect(published.map((r) => [r.topic, r.key, JSON.parse(r.value)])).toEqual([
      [TOPICS.scoreDelivered, 'a', { n: 1 }],
      [TOPICS.scoreDelivered, 'b', { n: 2 }],
      [TOPICS.scoreDelivered, 'd', { n: 4 }],
    ]);
    expect(await store.count()).toBe(0);
  });

  it('lets one drainer through at a time, and keeps what a failed publish held', async () => {
    const store = new OutboxStore(db, { schema: 'grading' });
    await db.transaction((tx) => new OutcomeOutboxRepository(store).append(tx, [{ key: 'e', event: { n: 5 } }]));
    let release!: () => void;
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const first = store.drain(10, LOCK, () => {
      entered();
      return new Promise<void>((resolve) => (release = resolve));
    });
    await inside;
    await expect(store.drain(10, LOCK, async () => undefined)).resolves.toEqual({ drained: 0, busy: true });
    release();
    await expect(first).resolves.toEqual({ drained: 1, busy: false });

    await db.transaction((tx) => new OutcomeOutboxRepository(store).append(tx, [{ key: 'f', event: { n: 6 } }]));
    await expect(store.drain(10, LOCK, async () => Promise.reject(new Error('broker down')))).rejects.toThrow('broker down');
    expect(await store.count()).toBe(1);
  });
});
