// LineItemSendsRepository over the real schema: one post in flight per (LMS
// line item, user). A second sender gets no turn while the first holds it,
// gets it once the turn is given back or has expired, and never posts a value
// older than the one last sent there; only the holder can give a turn back.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import { LineItemSendsRepository, type SendTurnRelease, type SendTurnRequest } from '../../../apps/grading/src/delivery/line-items/line-item-sends.repository';
import { SendTurns } from '../../../apps/grading/src/delivery/line-items/send-turns';
import { openGradingDatabase, type GradingDatabase } from '../../support/grading-db';

jest.setTimeout(60_000);

interface TurnRow {
  line_item_id: string;
  user_id: string;
  timestamp_ns: string;
  score_id: string;
  lease_owner: string | null;
  /** As text: exact, to compare before and after. */
  lease_until: string | null;
}

const HOLD_MS = 60_000;

describe('LineItemSendsRepository', () => {
  let database: GradingDatabase;
  let db: DataSource;
  let sends: LineItemSendsRepository;

  beforeAll(async () => {
    database = await openGradingDatabase('line_item_sends');
    db = database.dataSource;
    sends = new LineItemSendsRepository(db);
  });

  afterAll(async () => {
    await database?.close();
  });

  beforeEach(async () => {
    await db.query('TRUNCATE grading.line_item_sends');
  });

  /** A post of `timestampNs` to line item `lineItemId` for `userId`, under its own claim token unless given one. */
  const post = (over: Partial<SendTurnRequest> = {}): SendTurnRequest => ({
    platformId: 'https://lms.example',
    contextId: 'course-1',
    lineItemId: 'https://lms.example/lineitems/1',
    userId: 'learner-1',
    timestampNs: '1000',
    scoreId: '1',
    owner: randomUUID(),
    ...over,
  });

  const releaseOf = (request: SendTurnRequest, owner = request.owner): SendTurnRelease => ({
    platformId: request.platformId,
    contextId: request.contextId,
    lineItemId: request.lineItemId,
    userId: request.userId,
    owner,
  });

  /** As delivery's completion gives turns back: inside a transaction. */
  const release = (...releases: SendTurnRelease[]) => db.transaction((tx) => sends.releaseIn(tx, releases));

  async function turns(): Promise<TurnRow[]> {
    return db.query(
      `SELECT line_item_id, user_id, timestamp_ns::text, score_id::text, lease_owner::text, lease_until::text
       FROM grading.line_item_sends ORDER BY line_item_id, user_id`,
    );
  }

  /** Milliseconds from the database's now() to the lease_until of every turn. */
  async function holdsLeftMs(): Promise<number[]> {
    const rows: Array<{ ms: number }> = await db.query(`SELECT (extract(epoch FROM lease_until - now()) * 1000)::float8 AS ms FROM grading.line_item_sends`);
    return rows.map((r) => r.ms);
  }

  it('gives a free (line item, user) to the first sender, held for the time asked', async () => {
    const first = post({ timestampNs: '1767225601123456789', scoreId: '42' });

    expect(await sends.take([first], HOLD_MS)).toEqual(['go']);

    expect(await turns()).toEqual([expect.objectContaining({ timestamp_ns: '1767225601123456789', score_id: '42', lease_owner: first.owner })]);
    const [left] = await holdsLeftMs();
    expect(left).toBeGreaterThan(HOLD_MS - 5_000);
    expect(left).toBeLessThanOrEqual(HOLD_MS);
  });

  it('keeps a second sender out while the first holds the turn, whatever its value', async () => {
    const first = post({ timestampNs: '2000', scoreId: '1' });
    await sends.take([first], HOLD_MS);
    const before = await turns();

    expect(await sends.take([post({ timestampNs: '3000', scoreId: '2' })], HOLD_MS)).toEqual(['busy']);
    expect(await sends.take([post({ timestampNs: '2000', scoreId: '2' })], HOLD_MS)).toEqual(['busy']);
    // The holder's own token asks again: still one post in flight.
    expect(await sends.take([post({ timestampNs: '3000', owner: first.owner })], HOLD_MS)).toEqual(['busy']);

    expect(await turns()).toEqual(before);
  });

  it('answers older to a sender whose value is older than the one held, in flight or sent', async () => {
    const first = post({ timestampNs: '2000' });
    await sends.take([first], HOLD_MS);

    expect(await sends.take([post({ timestampNs: '1999' })], HOLD_MS)).toEqual(['older']);
    await release(releaseOf(first));
    expect(await sends.take([post({ timestampNs: '1999' })], HOLD_MS)).toEqual(['older']);

    expect(await turns()).toEqual([expect.objectContaining({ timestamp_ns: '2000', lease_owner: null, lease_until: null })]);
  });

  it('gives the turn to the next sender once the holder gives it back, for the same value or a newer one', async () => {
    const first = post({ timestampNs: '2000', scoreId: '1' });
    await sends.take([first], HOLD_MS);
    await release(releaseOf(first));
    expect(await turns()).toEqual([expect.objectContaining({ lease_owner: null, lease_until: null })]);

    const same = post({ timestampNs: '2000', scoreId: '2' });
    expect(await sends.take([same], HOLD_MS)).toEqual(['go']);
    expect(await turns()).toEqual([expect.objectContaining({ timestamp_ns: '2000', score_id: '2', lease_owner: same.owner })]);

    await release(releaseOf(same));
    const newer = post({ timestampNs: '2001', scoreId: '3' });
    expect(await sends.take([newer], HOLD_MS)).toEqual(['go']);
    expect(await turns()).toEqual([expect.objectContaining({ timestamp_ns: '2001', score_id: '3', lease_owner: newer.owner })]);
  });

  it('gives the turn to the next sender once the holder\'s hold has expired, without a release', async () => {
    const first = post({ timestampNs: '2000' });
    await sends.take([first], 400);
    expect(await sends.take([post({ timestampNs: '3000' })], HOLD_MS)).toEqual(['busy']);

    await sleep(600);
    const next = post({ timestampNs: '3000', scoreId: '7' });
    expect(await sends.take([next], HOLD_MS)).toEqual(['go']);

    expect(await turns()).toEqual([expect.objectContaining({ timestamp_ns: '3000', score_id: '7', lease_owner: next.owner })]);
  });

  it('changes nothing when a sender that does not hold the turn gives it back', async () => {
    const first = post({ timestampNs: '2000' });
    await sends.take([first], HOLD_MS);
    const before = await turns();

    await release(releaseOf(first, randomUUID()));
    // Right owner, another line item: not this turn either.
    await release({ ...releaseOf(first), lineItemId: 'https://lms.example/lineitems/2' });

    expect(await turns()).toEqual(before);
    expect(await sends.take([post({ timestampNs: '3000' })], HOLD_MS)).toEqual(['busy']);
  });

  it('keeps the next holder\'s turn when a sender whose hold expired gives its own back late', async () => {
    const late = post({ timestampNs: '2000' });
    await sends.take([late], 300);
    await sleep(500);
    const next = post({ timestampNs: '3000' });
    expect(await sends.take([next], HOLD_MS)).toEqual(['go']);
    const before = await turns();

    await release(releaseOf(late));

    expect(await turns()).toEqual(before);
    expect(await sends.take([post({ timestampNs: '4000' })], HOLD_MS)).toEqual(['busy']);
  });

  it('decides each (line item, user) of one request on its own, answering in the order asked', async () => {
    const held = post({ lineItemId: 'li-b', userId: 'learner-1', timestampNs: '5000' });
    const sent = post({ lineItemId: 'li-c', userId: 'learner-1', timestampNs: '5000' });
    await sends.take([held, sent], HOLD_MS);
    await release(releaseOf(sent));

    const free = post({ lineItemId: 'li-d', userId: 'learner-1' });
    const busy = post({ lineItemId: 'li-b', userId: 'learner-1', timestampNs: '6000' });
    const older = post({ lineItemId: 'li-c', userId: 'learner-1', timestampNs: '4000' });
    const otherUser = post({ lineItemId: 'li-b', userId: 'learner-2' });
    expect(await sends.take([free, busy, older, otherUser], HOLD_MS)).toEqual(['go', 'busy', 'older', 'go']);

    expect((await turns()).map((r) => [r.line_item_id, r.user_id, r.lease_owner])).toEqual([
      ['li-b', 'learner-1', held.owner],
      ['li-b', 'learner-2', otherUser.owner],
      ['li-c', 'learner-1', null],
      ['li-d', 'learner-1', free.owner],
    ]);
  });

  it('gives one turn to one of two senders asking at the same moment', async () => {
    const one = post({ scoreId: '1' });
    const two = post({ scoreId: '2' });

    const answers = await Promise.all([sends.take([one], HOLD_MS), sends.take([two], HOLD_MS)]);

    expect(answers.flat().sort()).toEqual(['busy', 'go']);
    const winner = answers[0][0] === 'go' ? one : two;
    expect(await turns()).toEqual([expect.objectContaining({ score_id: winner.scoreId, lease_owner: winner.owner })]);
  });

  describe('SendTurns, batching the asks of one tick', () => {
    it('asks once for the newest post per (line item, user) and answers the others busy', async () => {
      const batcher = new SendTurns(sends, HOLD_MS);
      const older = post({ timestampNs: '1000', scoreId: '1' });
      const newest = post({ timestampNs: '2000', scoreId: '2' });
      const elsewhere = post({ lineItemId: 'li-other', scoreId: '3' });

      const answers = await Promise.all([batcher.take(older), batcher.take(newest), batcher.take(elsewhere)]);

      expect(answers).toEqual(['busy', 'go', 'go']);
      expect((await turns()).map((r) => [r.line_item_id, r.score_id, r.lease_owner])).toEqual([
        ['https://lms.example/lineitems/1', '2', newest.owner],
        ['li-other', '3', elsewhere.owner],
      ]);
    });
  });
});
