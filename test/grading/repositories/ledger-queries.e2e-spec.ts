// The ledger's re-offer writes, counters and read models on the real
// PostgreSQL with grading's real migrations: the statements other features
// (grade sync, launches, dead-letter retries, /health/sync, the operator
// console) reach the score ledger through.
import { DataSource } from 'typeorm';
import { dataSourceOptions, prepareDatabase } from '@app/database';
import { gradingDatabase } from '../../../apps/grading/src/grading.database';
import { LedgerMaintenanceRepository } from '../../../apps/grading/src/ledger/ledger-maintenance.repository';
import { LedgerStatsRepository } from '../../../apps/grading/src/ledger/ledger-stats.repository';
import { OperatorReadModelRepository } from '../../../apps/grading/src/ledger/operator-read-model.repository';
import { ReofferProgressRepository } from '../../../apps/grading/src/ledger/reoffer-progress.repository';
import { ScoreCompletionRepository } from '../../../apps/grading/src/ledger/score-completion.repository';
import { SCORE_STATUS, type ScoreStatus } from '../../../apps/grading/src/ledger/score-status';
import { createTestDatabase, dropTestDatabase } from '../../support/infra';

jest.setTimeout(60_000);

interface Seed {
  platformId?: string;
  contextId?: string;
  resourceLinkId?: string;
  userId?: string;
  lineItem?: Record<string, unknown> | null;
  status?: ScoreStatus;
  version?: number;
  dueAt?: Date;
  attempts?: number;
  firstAttemptAt?: Date | null;
  leaseUntil?: Date | null;
  lastAttemptAt?: Date | null;
  receivedAt?: Date;
  deliveredAt?: Date | null;
  deliveredVersion?: number | null;
}

interface ScoreRow {
  status: ScoreStatus;
  due_at: Date;
  attempts: number;
  first_attempt_at: Date | null;
}

const P = 'https://lms.example';
const ago = (ms: number) => new Date(Date.now() - ms);
const later = (ms: number) => new Date(Date.now() + ms);
const HOUR = 3600_000;

describe('ledger queries (PostgreSQL, grading migrations)', () => {
  let databaseUrl: string;
  let db: DataSource;
  let maintenance: LedgerMaintenanceRepository;
  let stats: LedgerStatsRepository;
  let reoffers: ReofferProgressRepository;
  let operator: OperatorReadModelRepository;
  let seq = 0;

  beforeAll(async () => {
    databaseUrl = await createTestDatabase('ledger_queries');
    await prepareDatabase(gradingDatabase({ DATABASE_URL: databaseUrl }));
    db = new DataSource(dataSourceOptions({ ...gradingDatabase({ DATABASE_URL: databaseUrl }), poolSize: 2 }));
    await db.initialize();
    maintenance = new LedgerMaintenanceRepository(db);
    stats = new LedgerStatsRepository(db);
    reoffers = new ReofferProgressRepository(db);
    operator = new OperatorReadModelRepository(db);
  });

  afterAll(async () => {
    await db?.destroy();
    if (databaseUrl) await dropTestDatabase(databaseUrl);
  });

  beforeEach(async () => {
    await db.query(`TRUNCATE grading.scores, grading.score_attempts, grading.dead_letters, grading.contexts RESTART IDENTITY CASCADE`);
  });

  async function seed(s: Seed = {}): Promise<string> {
    const n = ++seq;
    const [row]: Array<{ id: string }> = await db.query(
      `INSERT INTO grading.scores
         (platform_id, context_id, resource_link_id, line_item_key, user_id, line_item, activity_progress, grading_progress, "timestamp", timestamp_ns, event_id,
          version, status, due_at, attempts, first_attempt_at, lease_until, last_attempt_at, received_at, delivered_at, delivered_version)
       VALUES ($1, $2, $3, '', $4, $5, 'Completed', 'FullyGraded', '2026-01-01T00:00:00.000Z', $6, $7,
               $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
       RETURNING id::text`,
      [
        s.platformId ?? P,
        s.contextId ?? 'course-1',
        s.resourceLinkId ?? 'quiz-1',
        s.userId ?? `learner-${n}`,
        s.lineItem ? JSON.stringify(s.lineItem) : null,
        String(n),
        `event-${n}`,
        s.version ?? 1,
        s.status ?? SCORE_STATUS.pending,
        s.dueAt ?? ago(1000),
        s.attempts ?? 0,
        s.firstAttemptAt ?? null,
        s.leaseUntil ?? null,
        s.lastAttemptAt ?? null,
        s.receivedAt ?? new Date(),
        s.deliveredAt ?? null,
        s.deliveredVersion ?? null,
      ],
    );
    return row.id;
  }

  async function deadLetter(kind: 'delivery' | 'ingest', scoreId: string | null, options: { version?: number; retried?: boolean } = {}): Promise<string> {
    const [row]: Array<{ id: string }> = await db.query(
      `INSERT INTO grading.dead_letters (kind, score_id, version, reason, retried_at) VALUES ($1, $2, $3, 'refused', $4) RETURNING id::text`,
      [kind, scoreId, options.version ?? null, options.retried ? new Date() : null],
    );
    return row.id;
  }

  async function attempt(scoreId: string, at: Date, outcome: string, statusCode: number | null = null, version = 1): Promise<void> {
    await db.query(
      `INSERT INTO grading.score_attempts (score_id, version, "timestamp", attempted_at, outcome, status_code, message) VALUES ($1, $2, '2026-01-01T00:00:00.000Z', $3, $4, $5, $6)`,
      [scoreId, version, at, outcome, statusCode, `${outcome} at ${at.toISOString()}`],
    );
  }

  async function row(id: string): Promise<ScoreRow> {
    const [r]: ScoreRow[] = await db.query(`SELECT status, due_at, attempts, first_attempt_at FROM grading.scores WHERE id = $1`, [id]);
    return r;
  }

  const dueNow = (r: ScoreRow) => r.status === SCORE_STATUS.pending && r.due_at.getTime() <= Date.now();

  async function openLetters(): Promise<string[]> {
    const rows: Array<{ id: string }> = await db.query(`SELECT id::text FROM grading.dead_letters WHERE retried_at IS NULL ORDER BY id`);
    return rows.map((r) => r.id);
  }

  describe('re-offer writes', () => {
    it('the grade sync makes backing-off and failed rows due, keeps the rest, and closes the failed rows\' dead letters', async () => {
      const started = ago(HOUR);
      const backingOff = await seed({ dueAt: later(HOUR), attempts: 3, firstAttemptAt: started });
      const failed = await seed({ status: SCORE_STATUS.failed, attempts: 5, firstAttemptAt: started });
      const due = await seed({ dueAt: ago(5000), attempts: 1, firstAttemptAt: started });
      const delivered = await seed({ status: SCORE_STATUS.delivered, dueAt: later(HOUR) });
      const waiting = await seed({ status: SCORE_STATUS.waitingForLaunch, dueAt: later(HOUR) });
      await deadLetter('delivery', failed, { version: 1 });
      const otherLetter = await deadLetter('delivery', delivered, { version: 1 });

      await expect(maintenance.reofferUndelivered()).resolves.toBe(2);

      // A row backing off keeps its attempt count (its give-up clock runs on); a failed row starts afresh.
      expect(await row(backingOff)).toMatchObject({ status: 'pending', attempts: 3, first_attempt_at: started });
      expect(dueNow(await row(backingOff))).toBe(true);
      expect(await row(failed)).toMatchObject({ status: 'pending', attempts: 0, first_attempt_at: null });
      expect(dueNow(await row(failed))).toBe(true);
      expect(await row(due)).toMatchObject({ status: 'pending', attempts: 1 });
      expect(await row(delivered)).toMatchObject({ status: 'delivered' });
      expect(await row(waiting)).toMatchObject({ status: 'waiting_for_launch' });
      expect(await openLetters()).toEqual([otherLetter]);
    });

    it('a forced resend makes every row of the scope due, delivered or not, but not those waiting for a launch', async () => {
      const delivered = await seed({ status: SCORE_STATUS.delivered, attempts: 1, dueAt: later(HOUR) });
      const failed = await seed({ status: SCORE_STATUS.failed, attempts: 4 });
      const waiting = await seed({ status: SCORE_STATUS.waitingForLaunch });
      const otherActivity = await seed({ resourceLinkId: 'quiz-2', status: SCORE_STATUS.delivered });
      const otherCourse = await seed({ contextId: 'course-2', status: SCORE_STATUS.delivered });
      const letter = await deadLetter('delivery', failed, { version: 1 });

      await expect(maintenance.forceResend({ platformId: P, contextId: 'course-1', resourceLinkId: 'quiz-1' })).resolves.toBe(2);
      for (const id of [delivered, failed]) {
        expect(await row(id)).toMatchObject({ status: 'pending', attempts: 0, first_attempt_at: null });
        expect(dueNow(await row(id))).toBe(true);
      }
      expect(await row(waiting)).toMatchObject({ status: 'waiting_for_launch' });
      expect(await row(otherActivity)).toMatchObject({ status: 'delivered' });
      expect(await openLetters()).not.toContain(letter);

      // Without a resource link, the whole course: the two rows again and the other activity's.
      await expect(maintenance.forceResend({ platformId: P, contextId: 'course-1' })).resolves.toBe(3);
      expect(await row(otherCourse)).toMatchObject({ status: 'delivered' });
    });

    it('a forced resend of a row in flight survives the delivery that was under way', async () => {
      const owner = '00000000-0000-4000-8000-000000000001';
      const inFlight = await seed({ status: SCORE_STATUS.pending, version: 3, leaseUntil: later(HOUR) });
      await db.query(`UPDATE grading.scores SET lease_owner = $2, sending_version = version WHERE id = $1`, [inFlight, owner]);
      const watched = await reoffers.snapshot({ platformId: P, contextId: 'course-1', resourceLinkId: 'quiz-1' });

      await maintenance.forceResend({ platformId: P, contextId: 'course-1', resourceLinkId: 'quiz-1' });
      // The post that was already on its way lands, and its result is recorded after the resend.
      await db.transaction((tx) =>
        new ScoreCompletionRepository().record(tx, [
          { id: inFlight, leaseOwner: owner, version: 3, kind: 'delivered', delayMs: 0, statusCode: null, message: null, lineItemId: 'li-1', timestamp: '2026-01-01T00:00:00.000Z', attemptedAt: new Date() },
        ]),
      );

      expect(await row(inFlight)).toMatchObject({ status: 'pending' });
      expect(dueNow(await row(inFlight))).toBe(true);
      expect(await reoffers.tally(watched)).toMatchObject({ delivered: 0, unsettled: 1 });

      // The resend itself goes out and counts.
      const resender = '00000000-0000-4000-8000-000000000002';
      await db.query(`UPDATE grading.scores SET lease_owner = $2, lease_until = now() + interval '1 hour', sending_version = version WHERE id = $1`, [inFlight, resender]);
      await db.transaction((tx) =>
        new ScoreCompletionRepository().record(tx, [
          { id: inFlight, leaseOwner: resender, version: 4, kind: 'delivered', delayMs: 0, statusCode: null, message: null, lineItemId: 'li-1', timestamp: '2026-01-01T00:00:00.000Z', attemptedAt: new Date() },
        ]),
      );
      expect(await row(inFlight)).toMatchObject({ status: 'delivered' });
      expect(await reoffers.tally(watched)).toMatchObject({ delivered: 1, unsettled: 0 });
    });

    it('a launch wakes the waiting rows of its activities only, within the caller\'s transaction', async () => {
      const a = await seed({ status: SCORE_STATUS.waitingForLaunch, attempts: 2, firstAttemptAt: ago(HOUR) });
      const b = await seed({ status: SCORE_STATUS.waitingForLaunch, attempts: 1 });
      const elsewhere = await seed({ resourceLinkId: 'quiz-2', status: SCORE_STATUS.waitingForLaunch });
      const failed = await seed({ status: SCORE_STATUS.failed });

      const woken = await db.transaction((tx) => maintenance.releaseWaiting(tx, [{ platformId: P, contextId: 'course-1', resourceLinkId: 'quiz-1' }]));
      expect(woken).toBe(2);
      for (const id of [a, b]) {
        expect(await row(id)).toMatchObject({ status: 'pending', attempts: 0, first_attempt_at: null });
        expect(dueNow(await row(id))).toBe(true);
      }
      expect(await row(elsewhere)).toMatchObject({ status: 'waiting_for_launch' });
      expect(await row(failed)).toMatchObject({ status: 'failed' });

      // Rolled back with the transaction that asked for it.
      const rolledBack = db.transaction(async (tx) => {
        await maintenance.releaseWaiting(tx, [{ platformId: P, contextId: 'course-1', resourceLinkId: 'quiz-2' }]);
        throw new Error('launch not recorded');
      });
      await expect(rolledBack).rejects.toThrow('launch not recorded');
      expect(await row(elsewhere)).toMatchObject({ status: 'waiting_for_launch' });
    });

    it('a dead-letter retry revives a failed row only at the version that failed', async () => {
      const id = await seed({ status: SCORE_STATUS.failed, version: 3, attempts: 6, firstAttemptAt: ago(HOUR) });

      await expect(db.transaction((tx) => maintenance.reofferFailed(tx, id, '2'))).resolves.toBe(false);
      expect(await row(id)).toMatchObject({ status: 'failed', attempts: 6 });
      await expect(db.transaction((tx) => maintenance.reofferFailed(tx, id, '3'))).resolves.toBe(true);
      expect(await row(id)).toMatchObject({ status: 'pending', attempts: 0, first_attempt_at: null });
      // No longer failed: a second retry finds nothing to revive.
      await expect(db.transaction((tx) => maintenance.reofferFailed(tx, id, '3'))).resolves.toBe(false);
      await expect(db.transaction((tx) => maintenance.reofferFailed(tx, id, null))).resolves.toBe(false);
    });
  });

  describe('counters', () => {
    it('count the backlog, in-flight deliveries, failures, open dead letters and waiting activities', async () => {
      await expect(stats.backlog()).resolves.toEqual({ pending: 0, oldestPendingAgeSeconds: 0, inFlight: 0, waitingForLaunch: 0, failed: 0, deadLetters: 0 });
      await expect(stats.activitiesWaitingForLaunch()).resolves.toBe(0);

      await seed({ receivedAt: ago(60_000) });
      await seed({ leaseUntil: later(30_000) });
      await seed({ dueAt: later(HOUR) });
      const failed = await seed({ status: SCORE_STATUS.failed });
      await seed({ status: SCORE_STATUS.delivered, leaseUntil: ago(1000) });
      await seed({ status: SCORE_STATUS.waitingForLaunch });
      await seed({ status: SCORE_STATUS.waitingForLaunch });
      await seed({ status: SCORE_STATUS.waitingForLaunch, resourceLinkId: 'quiz-2' });
      await deadLetter('delivery', failed, { version: 1 });
      await deadLetter('ingest', null);
      await deadLetter('delivery', failed, { version: 1, retried: true });

      const backlog = await stats.backlog();
      expect(backlog).toMatchObject({ pending: 3, inFlight: 1, waitingForLaunch: 3, failed: 1, deadLetters: 2 });
      expect(backlog.oldestPendingAgeSeconds).toBeGreaterThanOrEqual(59);
      expect(backlog.oldestPendingAgeSeconds).toBeLessThan(90);
      await expect(stats.activitiesWaitingForLaunch()).resolves.toBe(2);
    });
  });

  describe('re-offer progress', () => {
    it('the snapshot names the undelivered rows (or a scope\'s rows) and their versions', async () => {
      const pending = await seed({ version: 2 });
      const failed = await seed({ status: SCORE_STATUS.failed, version: 5 });
      const delivered = await seed({ status: SCORE_STATUS.delivered });
      await seed({ status: SCORE_STATUS.waitingForLaunch });
      await seed({ contextId: 'course-2', status: SCORE_STATUS.delivered });

      const all = await reoffers.snapshot();
      expect(new Map(all.ids.map((id, i) => [id, all.versions[i]]))).toEqual(new Map([[pending, '2'], [failed, '5']]));
      expect(all.since).toBeInstanceOf(Date);

      const scoped = await reoffers.snapshot({ platformId: P, contextId: 'course-1' });
      expect(scoped.ids.sort()).toEqual([pending, failed, delivered].sort());

      await expect(reoffers.snapshot({ platformId: P, contextId: 'course-3' })).resolves.toMatchObject({ ids: [], versions: [] });
    });

    it('the tally says how each watched row ended since the snapshot', async () => {
      const landed = await seed();
      const landedOlder = await seed({ version: 2 });
      const retrying = await seed({ status: SCORE_STATUS.failed });
      const inFlight = await seed();
      const superseded = await seed();
      const failed = await seed();
      const waiting = await seed({ status: SCORE_STATUS.failed });
      // Delivered before the run: counts as not yet delivered, and is due.
      await seed({ deliveredAt: ago(HOUR), deliveredVersion: 1 });
      const watched = await reoffers.snapshot();
      expect(watched.ids).toHaveLength(8);

      const set = (id: string, sql: string) => db.query(`UPDATE grading.scores SET ${sql} WHERE id = $1`, [id]);
      await set(landed, `status = 'delivered', delivered_at = now(), delivered_version = 1`);
      // Delivered, but an older version than the one the run set out to send.
      await set(landedOlder, `delivered_at = now(), delivered_version = 1, due_at = now() + interval '1 hour'`);
      await set(retrying, `status = 'pending', due_at = now() + interval '1 hour'`);
      await set(inFlight, `due_at = now() + interval '1 hour', lease_until = now() + interval '30 seconds'`);
      await set(superseded, `status = 'superseded'`);
      await set(failed, `status = 'failed'`);
      await set(waiting, `status = 'waiting_for_launch'`);

      await expect(reoffers.tally(watched)).resolves.toEqual({ delivered: 1, superseded: 1, failed: 1, waitingForLaunch: 1, retrying: 2, unsettled: 2 });
      await expect(reoffers.tally({ ids: [], versions: [], since: new Date() })).resolves.toEqual({ delivered: 0, superseded: 0, failed: 0, waitingForLaunch: 0, retrying: 0, unsettled: 0 });
    });
  });

  describe('operator read model', () => {
    it('counts attempts per platform and five-minute bucket since the given time', async () => {
      const p1 = await seed();
      const p2 = await seed({ platformId: 'https://other.example' });
      const bucket = new Date(Math.floor((Date.now() - 30 * 60_000) / 300_000) * 300_000);
      const inBucket = new Date(bucket.getTime() + 10_000);
      await attempt(p1, inBucket, 'delivered');
      await attempt(p1, inBucket, 'retry', 429);
      await attempt(p1, inBucket, 'retry', 500);
      await attempt(p1, inBucket, 'failed', 422);
      await attempt(p1, ago(2 * HOUR), 'delivered');
      await attempt(p2, inBucket, 'delivered');

      await expect(operator.deliveryBuckets(ago(HOUR), 300)).resolves.toEqual([
        { platformId: P, start: bucket, delivered: 1, throttled: 1, failed: 1 },
        { platformId: 'https://other.example', start: bucket, delivered: 1, throttled: 0, failed: 0 },
      ]);
    });

    it("reads a learner's rows with their open dead letter and newest attempts", async () => {
      const quiz = await seed({ userId: 'u1', lineItem: { label: 'Quiz', scoreMaximum: 10 } });
      const failed = await seed({ userId: 'u1', resourceLinkId: 'quiz-2', status: SCORE_STATUS.failed, attempts: 3 });
      await seed({ userId: 'u2' });
      await deadLetter('delivery', failed, { version: 1, retried: true });
      const open = await deadLetter('delivery', failed, { version: 1 });
      await attempt(failed, ago(3000), 'retry', 500);
      await attempt(failed, ago(2000), 'retry', 502);
      await attempt(failed, ago(1000), 'failed', 422);

      const rows = await operator.learnerScores(['u1'], 10);
      expect(rows.map((r) => r.id)).toEqual([quiz, failed]);
      expect(rows[0]).toMatchObject({ userId: 'u1', lineItem: 'Quiz', status: 'pending', openDeadLetterId: null });
      expect(rows[1]).toMatchObject({ lineItem: '', status: 'failed', attempts: 3, openDeadLetterId: open });
      await expect(operator.learnerScores(['u1', 'u2'], 2)).resolves.toHaveLength(2);

      const attempts = await operator.learnerAttempts([quiz, failed], 2);
      expect(attempts.map((a) => [a.scoreId, a.outcome, a.statusCode])).toEqual([
        [failed, 'failed', 422],
        [failed, 'retry', 502],
      ]);
      await expect(operator.learnerAttempts([], 2)).resolves.toEqual([]);
    });

    it('lists the activities waiting for a launch, longest waiting first, with what their context knows', async () => {
      await seed({ status: SCORE_STATUS.waitingForLaunch, receivedAt: ago(10 * 60_000) });
      await seed({ status: SCORE_STATUS.waitingForLaunch, receivedAt: ago(HOUR), lastAttemptAt: ago(20 * 60_000) });
      await seed({ status: SCORE_STATUS.waitingForLaunch, resourceLinkId: 'quiz-2', receivedAt: ago(HOUR) });
      await seed({ status: SCORE_STATUS.pending, resourceLinkId: 'quiz-3' });
      const staleAt = ago(HOUR + 60_000);
      const launchedAt = ago(2 * HOUR);
      await db.query(
        `INSERT INTO grading.contexts (platform_id, context_id, resource_link_id, last_launch_at, credential_stale_at) VALUES ($1, 'course-1', 'quiz-2', $2, $3)`,
        [P, launchedAt, staleAt],
      );

      const waiting = await operator.waitingActivities(10);
      expect(waiting.map((w) => [w.resourceLinkId, w.scores])).toEqual([
        ['quiz-2', 1],
        ['quiz-1', 2],
      ]);
      expect(waiting[0]).toMatchObject({ platformId: P, contextId: 'course-1', credentialStaleAt: staleAt, lastLaunchAt: launchedAt });
      expect(waiting[1]).toMatchObject({ credentialStaleAt: null, lastLaunchAt: null });
      // A row is waiting since its last attempt, or since it arrived when it was never tried.
      expect(waiting[1].waitingSince.getTime()).toBeLessThan(ago(19 * 60_000).getTime());
      await expect(operator.waitingActivities(1)).resolves.toHaveLength(1);
    });
  });
});
