// LedgerWriterRepository over the real schema: a strictly newer score
// replaces a row's value, an older (or as old) one is recorded as stale and
// changes nothing, a repeated event id is a no-op; the counts it answers are
// what score_events and scores hold afterwards.
import type { DataSource } from 'typeorm';
import { ScoreClaimRepository } from '../../../apps/grading/src/ledger/score-claim.repository';
import { LedgerWriterRepository } from '../../../apps/grading/src/ledger/ledger-writer.repository';
import type { IncomingScore } from '../../../apps/grading/src/ledger/score-identity';
import { incomingScore, openGradingDatabase, type GradingDatabase } from '../../support/grading-db';

jest.setTimeout(60_000);

interface ScoreRow {
  id: string;
  user_id: string;
  line_item_key: string;
  event_id: string;
  score_given: number | null;
  comment: string | null;
  timestamp: string;
  timestamp_ns: string;
  version: string;
  status: string;
  attempts: number;
  last_error: string | null;
  lease_owner: string | null;
  due_in_past: boolean;
}

describe('LedgerWriterRepository', () => {
  let database: GradingDatabase;
  let db: DataSource;
  let ledger: LedgerWriterRepository;

  beforeAll(async () => {
    database = await openGradingDatabase('ledger_writer');
    db = database.dataSource;
    ledger = new LedgerWriterRepository(db);
  });

  afterAll(async () => {
    await database?.close();
  });

  beforeEach(async () => {
    await db.query('TRUNCATE grading.scores, grading.score_events CASCADE');
  });

  const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();

  async function scores(): Promise<ScoreRow[]> {
    return db.query(
      `SELECT id::text, user_id, line_item_key, event_id, score_given, comment, "timestamp", timestamp_ns::text, version::text, status,
              attempts, last_error, lease_owner::text, due_at <= now() AS due_in_past
       FROM grading.scores ORDER BY id`,
    );
  }

  /** Each recorded event's outcome, by event id. */
  async function events(): Promise<Record<string, string>> {
    const rows: Array<{ event_id: string; outcome: string }> = await db.query(`SELECT event_id, outcome FROM grading.score_events`);
    return Object.fromEntries(rows.map((r) => [r.event_id, r.outcome]));
  }

  /** What the tables hold for these events: recorded applied, of which still a row's value, and recorded stale. */
  async function held(batch: IncomingScore[]): Promise<{ applied: number; current: number; stale: number }> {
    const outcomes = await events();
    const ids = [...new Set(batch.map((s) => s.eventId))];
    const values = new Set((await scores()).map((r) => r.event_id));
    return {
      applied: ids.filter((id) => outcomes[id] === 'applied').length,
      current: ids.filter((id) => outcomes[id] === 'applied' && values.has(id)).length,
      stale: ids.filter((id) => outcomes[id] === 'stale').length,
    };
  }

  it('creates a row from a first score and records its event as applied', async () => {
    const first = incomingScore({ timestamp: at(1), comment: 'first try' });

    expect(await ledger.apply([first])).toEqual({ applied: 1, stale: 0, duplicates: 0 });

    expect(await scores()).toEqual([
      expect.objectContaining({ event_id: first.eventId, score_given: 7, comment: 'first try', timestamp: at(1), version: '1', status: 'pending', attempts: 0, due_in_past: true }),
    ]);
    expect(await events()).toEqual({ [first.eventId]: 'applied' });
  });

  it('replaces the value with a newer score: a new version, due now, attempts reset, any lease left alone', async () => {
    const first = incomingScore({ timestamp: at(1) });
    await ledger.apply([first]);
    // A delivery of the first value is in flight, and earlier attempts failed.
    const [held] = await new ScoreClaimRepository(db).claim({ limit: 1, leaseMs: 60_000, caps: new Map(), defaultCap: 1, now: Date.now() });
    await db.query(`UPDATE grading.scores SET attempts = 3, last_error = 'LMS answered 503', due_at = now() + interval '1 hour'`);

    const newer = incomingScore({ timestamp: at(2), scoreGiven: 9, comment: 'regraded' });
    expect(await ledger.apply([newer])).toEqual({ applied: 1, stale: 0, duplicates: 0 });

    expect(await scores()).toEqual([
      expect.objectContaining({ event_id: newer.eventId, score_given: 9, comment: 'regraded', timestamp: at(2), version: '2', status: 'pending', attempts: 0, last_error: null, lease_owner: held.leaseOwner, due_in_past: true }),
    ]);
    expect(await events()).toEqual({ [first.eventId]: 'applied', [newer.eventId]: 'applied' });
  });

  it('records an older score as stale and changes nothing in the row', async () => {
    const current = incomingScore({ timestamp: at(5), scoreGiven: 9 });
    await ledger.apply([current]);
    const before = await scores();

    const older = incomingScore({ timestamp: at(4), scoreGiven: 1 });
    expect(await ledger.apply([older])).toEqual({ applied: 0, stale: 1, duplicates: 0 });

    expect(await scores()).toEqual(before);
    expect(await events()).toEqual({ [current.eventId]: 'applied', [older.eventId]: 'stale' });
  });

  it('records a score as old as the row as stale: the first of equal timestamps wins', async () => {
    const current = incomingScore({ timestamp: at(5), scoreGiven: 9 });
    await ledger.apply([current]);
    const before = await scores();

    // The same instant written with an offset and more digits.
    const same = incomingScore({ timestamp: '2026-01-01T01:00:05.000000000+01:00', scoreGiven: 1 });
    expect(await ledger.apply([same])).toEqual({ applied: 0, stale: 1, duplicates: 0 });

    expect(await scores()).toEqual(before);
    expect((await events())[same.eventId]).toBe('stale');
  });

  it('does nothing for an event id seen before, even carrying another value', async () => {
    const first = incomingScore({ timestamp: at(1), scoreGiven: 7 });
    await ledger.apply([first]);
    const before = await scores();

    const replay = incomingScore({ timestamp: at(9), scoreGiven: 10 }, first.eventId);
    expect(await ledger.apply([replay])).toEqual({ applied: 0, stale: 0, duplicates: 1 });
    expect(await ledger.apply([first])).toEqual({ applied: 0, stale: 0, duplicates: 1 });

    expect(await scores()).toEqual(before);
    expect(await events()).toEqual({ [first.eventId]: 'applied' });
    const [{ data }] = await db.query(`SELECT data FROM grading.score_events WHERE event_id = $1`, [first.eventId]);
    expect(data).toMatchObject({ timestamp: at(1), scoreGiven: 7 });
  });

  it('sorts out a mixed batch: newest per row applied, the rest stale, repeated ids duplicates; the counts match the tables', async () => {
    const earlier = incomingScore({ userId: 'learner-3', timestamp: at(1) });
    await ledger.apply([earlier]);

    const newestOf1 = incomingScore({ userId: 'learner-1', timestamp: at(3), scoreGiven: 3 });
    const olderOf1 = incomingScore({ userId: 'learner-1', timestamp: at(2), scoreGiven: 2 });
    const onlyOf2 = incomingScore({ userId: 'learner-2', timestamp: at(2) });
    const otherLineItem = incomingScore({ userId: 'learner-2', timestamp: at(1), lineItem: { tag: 'bonus' } });
    const staleOf3 = incomingScore({ userId: 'learner-3', timestamp: at(1) });
    const batch = [olderOf1, newestOf1, onlyOf2, otherLineItem, staleOf3, onlyOf2, earlier];

    const result = await ledger.apply(batch);

    expect(result).toEqual({ applied: 3, stale: 2, duplicates: 2 });
    // `earlier` was recorded by the first apply: of this batch's new events, the applied ones are the rows' values.
    expect(await held(batch.filter((s) => s !== earlier))).toEqual({ applied: result.applied, current: result.applied, stale: result.stale });
    expect(await events()).toEqual({
      [earlier.eventId]: 'applied',
      [newestOf1.eventId]: 'applied',
      [olderOf1.eventId]: 'stale',
      [onlyOf2.eventId]: 'applied',
      [otherLineItem.eventId]: 'applied',
      [staleOf3.eventId]: 'stale',
    });
    const rows = await scores();
    expect(rows.map((r) => [r.user_id, r.line_item_key, r.event_id, r.version]).sort()).toEqual(
      [
        ['learner-1', '', newestOf1.eventId, '1'],
        ['learner-2', '', onlyOf2.eventId, '1'],
        ['learner-2', JSON.stringify([null, 'bonus', null]), otherLineItem.eventId, '1'],
        ['learner-3', '', earlier.eventId, '1'],
      ].sort(),
    );
  });

  it('keeps a row waiting for a launch waiting when a newer value arrives', async () => {
    await ledger.apply([incomingScore({ timestamp: at(1) })]);
    await db.query(`UPDATE grading.scores SET status = 'waiting_for_launch'`);

    const newer = incomingScore({ timestamp: at(2), scoreGiven: 8 });
    expect(await ledger.apply([newer])).toEqual({ applied: 1, stale: 0, duplicates: 0 });

    expect(await scores()).toEqual([expect.objectContaining({ event_id: newer.eventId, score_given: 8, version: '2', status: 'waiting_for_launch' })]);
  });

  it('makes a delivered or failed row pending again with a newer value', async () => {
    await ledger.apply([incomingScore({ userId: 'learner-1', timestamp: at(1) }), incomingScore({ userId: 'learner-2', timestamp: at(1) })]);
    await db.query(`UPDATE grading.scores SET status = CASE user_id WHEN 'learner-1' THEN 'delivered' ELSE 'failed' END`);

    await ledger.apply([incomingScore({ userId: 'learner-1', timestamp: at(2) }), incomingScore({ userId: 'learner-2', timestamp: at(2) })]);

    expect((await scores()).map((r) => [r.user_id, r.status, r.version])).toEqual([['learner-1', 'pending', '2'], ['learner-2', 'pending', '2']]);
  });

  it('two writers at once over the same rows leave the newest value, and their counts add up to the tables', async () => {
    const users = ['learner-1', 'learner-2', 'learner-3', 'learner-4'];
    // Each writer holds the newest value for half of the rows, in the opposite order to the other.
    const one = users.map((userId, i) => incomingScore({ userId, timestamp: at(i % 2 === 0 ? 9 : 1) }));
    const two = [...users].reverse().map((userId, i) => incomingScore({ userId, timestamp: at(i % 2 === 0 ? 9 : 1) }));

    const [a, b] = await Promise.all([ledger.apply(one), ledger.apply(two)]);

    const both = [...one, ...two];
    expect(a.applied + a.stale + b.applied + b.stale).toBe(both.length);
    expect(a.duplicates + b.duplicates).toBe(0);
    // A value applied and then replaced by the other writer's newer one stays recorded as applied.
    expect(await held(both)).toEqual({ applied: a.applied + b.applied, current: users.length, stale: a.stale + b.stale });
    const rows = await scores();
    expect(rows).toHaveLength(users.length);
    expect(rows.every((r) => r.timestamp === at(9))).toBe(true);
  });
});
