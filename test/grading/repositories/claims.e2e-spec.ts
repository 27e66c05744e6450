// ScoreClaimRepository over the real schema: how many due rows one claim
// takes (the limit, each platform's cap), in which order, and the lease that
// keeps a claimed row from being claimed again until it passes.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import type { ScoreReadyData } from '@app/contracts';
import { ScoreClaimRepository, type ClaimRequest } from '../../../apps/grading/src/ledger/score-claim.repository';
import { LedgerWriterRepository } from '../../../apps/grading/src/ledger/ledger-writer.repository';
import { incomingScore, openGradingDatabase, type GradingDatabase } from '../../support/grading-db';

jest.setTimeout(60_000);

interface LeaseRow {
  id: string;
  platform_id: string;
  status: string;
  lease_owner: string | null;
  /** Milliseconds from the database's now() to lease_until. */
  lease_left_ms: number | null;
  sending_version: string | null;
}

describe('ScoreClaimRepository', () => {
  let database: GradingDatabase;
  let db: DataSource;
  let claims: ScoreClaimRepository;
  let ledger: LedgerWriterRepository;

  beforeAll(async () => {
    database = await openGradingDatabase('claims');
    db = database.dataSource;
    claims = new ScoreClaimRepository(db);
    ledger = new LedgerWriterRepository(db);
  });

  afterAll(async () => {
    await database?.close();
  });

  beforeEach(async () => {
    await db.query('TRUNCATE grading.scores, grading.score_events CASCADE');
  });

  /** Puts one ledger row per score through the ledger writer; answers their ids in the same order. */
  async function seed(...scores: Array<Partial<ScoreReadyData>>): Promise<string[]> {
    const incoming = scores.map((data) => incomingScore(data));
    await ledger.apply(incoming);
    const rows: Array<{ id: string; event_id: string }> = await db.query(`SELECT id::text, event_id FROM grading.scores WHERE event_id = ANY($1::text[])`, [incoming.map((s) => s.eventId)]);
    const byEvent = new Map(rows.map((r) => [r.event_id, r.id]));
    return incoming.map((s) => byEvent.get(s.eventId)!);
  }

  /** `count` learners of one platform, one row each. */
  const learners = (platformId: string, count: number) => Array.from({ length: count }, (_, i) => ({ platformId, userId: `learner-${i + 1}` }));

  async function setDueSecondsAgo(ids: string[], secondsAgo: number[]): Promise<void> {
    await db.query(
      `UPDATE grading.scores s SET due_at = now() - d.seconds * interval '1 second' FROM unnest($1::bigint[], $2::int[]) AS d(id, seconds) WHERE s.id = d.id`,
      [ids, secondsAgo],
    );
  }

  async function tableRows(): Promise<LeaseRow[]> {
    return db.query(
      `SELECT id::text, platform_id, status, lease_owner::text, sending_version::text,
              (extract(epoch FROM lease_until - now()) * 1000)::float8 AS lease_left_ms
       FROM grading.scores ORDER BY id`,
    );
  }

  const leasedIds = async (): Promise<string[]> => (await tableRows()).filter((r) => r.lease_owner !== null).map((r) => r.id).sort();

  const request = (over: Partial<ClaimRequest> = {}): ClaimRequest => ({ limit: 100, leaseMs: 60_000, caps: new Map(), defaultCap: 100, now: Date.now(), ...over });

  const ids = (claimed: Array<{ id: string }>) => claimed.map((c) => c.id).sort();

  describe('what one claim takes', () => {
    it('leases the due rows to one new claim token and answers their values', async () => {
      const lineItem = { label: 'Quiz 1', scoreMaximum: 10 };
      const [id] = await seed({ lineItem, comment: 'well done', scoreGiven: 8.5, timestamp: '2026-01-01T00:00:01.123456789Z' });
      const now = Date.now();

      const claimed = await claims.claim(request({ leaseMs: 30_000, now }));

      expect(claimed).toHaveLength(1);
      const [row] = claimed;
      expect(row).toMatchObject({
        id,
        platformId: 'https://lms.example',
        contextId: 'course-1',
        resourceLinkId: 'quiz-1',
        lineItemKey: JSON.stringify([null, null, 'Quiz 1']),
        lineItem,
        userId: 'learner-1',
        version: 1,
        score: { userId: 'learner-1', scoreGiven: 8.5, scoreMaximum: 10, activityProgress: 'Completed', gradingProgress: 'FullyGraded', comment: 'well done', timestamp: '2026-01-01T00:00:01.123456789Z' },
        attempts: 0,
        firstAttemptAt: null,
        lastStatusCode: null,
        timestampNs: '1767225601123456789',
        lease: { until: now + 30_000 },
      });
      const [stored] = await tableRows();
      expect(stored.lease_owner).toBe(row.leaseOwner);
      expect(stored.sending_version).toBe('1');
      expect(stored.status).toBe('pending');
      expect(stored.lease_left_ms).toBeGreaterThan(25_000);
      expect(stored.lease_left_ms).toBeLessThanOrEqual(30_000);
    });

    it('names the ScoreReady event whose value it claimed, with its correlation id', async () => {
      const older = { ...incomingScore({ timestamp: '2026-01-01T00:00:01Z' }), correlationId: 'grader-run-1' };
      const newer = { ...incomingScore({ timestamp: '2026-01-01T00:00:02Z' }), correlationId: 'grader-run-2' };
      await ledger.apply([older]);
      await ledger.apply([newer]);

      const [row] = await claims.claim(request());

      expect(row.source).toEqual({ eventId: newer.eventId, correlationId: 'grader-run-2' });
    });

    it('answers no more rows than the limit, however many are due', async () => {
      await seed(...learners('https://a.example', 4), ...learners('https://b.example', 4), ...learners('https://c.example', 4));

      const claimed = await claims.claim(request({ limit: 5, defaultCap: 10 }));

      expect(claimed).toHaveLength(5);
      expect(await leasedIds()).toEqual(ids(claimed));
      // Every row of one claim shares its token.
      expect(new Set(claimed.map((c) => c.leaseOwner)).size).toBe(1);
    });

    it("takes up to a listed platform's cap, the default cap for the others, and nothing from a platform capped at 0", async () => {
      const a = await seed(...learners('https://a.example', 4));
      const b = await seed(...learners('https://b.example', 5));
      const c = await seed(...learners('https://c.example', 2));

      const claimed = await claims.claim(request({ caps: new Map([['https://a.example', 2], ['https://c.example', 0]]), defaultCap: 3 }));

      const perPlatform = (platformId: string) => claimed.filter((row) => row.platformId === platformId).length;
      expect([perPlatform('https://a.example'), perPlatform('https://b.example'), perPlatform('https://c.example')]).toEqual([2, 3, 0]);
      expect(claimed.every((row) => [...a, ...b].includes(row.id))).toBe(true);
      expect(c.some((id) => claimed.some((row) => row.id === id))).toBe(false);
      expect(await leasedIds()).toEqual(ids(claimed));
    });

    it("shares a claim equally among the platforms with due rows, whatever each one's backlog", async () => {
      // The first platform (in key order) has the largest backlog: it must not fill the claim alone.
      await seed(...learners('https://a.example', 30), ...learners('https://b.example', 10), ...learners('https://c.example', 10));

      const claimed = await claims.claim(request({ limit: 9, defaultCap: 100 }));

      const perPlatform = (platformId: string) => claimed.filter((row) => row.platformId === platformId).length;
      expect([perPlatform('https://a.example'), perPlatform('https://b.example'), perPlatform('https://c.example')]).toEqual([3, 3, 3]);
    });

    it('gives the share a platform cannot fill to the others, up to their caps', async () => {
      await seed(...learners('https://a.example', 10), ...learners('https://b.example', 1), ...learners('https://c.example', 10));

      const claimed = await claims.claim(request({ limit: 12, caps: new Map([['https://c.example', 4]]), defaultCap: 100 }));

      const perPlatform = (platformId: string) => claimed.filter((row) => row.platformId === platformId).length;
      // Shares of 4: b has 1 row, c is capped at 4, so a takes the 3 left over.
      expect([perPlatform('https://a.example'), perPlatform('https://b.example'), perPlatform('https://c.example')]).toEqual([7, 1, 4]);
      expect(await leasedIds()).toEqual(ids(claimed));
    });

    it('takes the earliest due rows of a platform first', async () => {
      const rows = await seed(...learners('https://a.example', 5));
      // Due order unlike the order the rows were written in: rows[3], rows[0], rows[4], rows[1], rows[2].
      await setDueSecondsAgo(rows, [40, 20, 10, 50, 30]);

      const first = await claims.claim(request({ defaultCap: 2 }));
      expect(ids(first)).toEqual([rows[3], rows[0]].sort());
      const second = await claims.claim(request({ defaultCap: 2 }));
      expect(ids(second)).toEqual([rows[4], rows[1]].sort());
    });

    it('leaves rows whose due time has not come', async () => {
      const [due, later] = await seed({ userId: 'learner-1' }, { userId: 'learner-2' });
      await db.query(`UPDATE grading.scores SET due_at = now() + interval '1 minute' WHERE id = $1`, [later]);

      const claimed = await claims.claim(request());

      expect(ids(claimed)).toEqual([due]);
      expect(await leasedIds()).toEqual([due]);
    });

    it('never claims a row waiting for a launch, delivered, superseded or failed', async () => {
      const [pending, waiting, delivered, superseded, failed] = await seed(...learners('https://a.example', 5));
      // Only delivery's completion moves a row out of pending: set here directly.
      await db.query(
        `UPDATE grading.scores s SET status = v.status FROM unnest($1::bigint[], $2::text[]) AS v(id, status) WHERE s.id = v.id`,
        [[waiting, delivered, superseded, failed], ['waiting_for_launch', 'delivered', 'superseded', 'failed']],
      );

      const claimed = await claims.claim(request());

      expect(ids(claimed)).toEqual([pending]);
      expect(await leasedIds()).toEqual([pending]);
    });
  });

  describe('leases', () => {
    it('does not claim a leased row again until its lease passes; then another claimer takes it under a new token', async () => {
      // A second due row of the same platform: the platform stays due while the first row is leased.
      const [id, other] = await seed({ userId: 'learner-1' }, { userId: 'learner-2' });
      await setDueSecondsAgo([id, other], [20, 10]);
      const first = await claims.claim(request({ leaseMs: 500, defaultCap: 1 }));
      expect(ids(first)).toEqual([id]);

      const meanwhile = await claims.claim(request());
      expect(ids(meanwhile)).toEqual([other]);
      const owners = () => tableRows().then((rows) => new Map(rows.map((r) => [r.id, r.lease_owner])));
      expect((await owners()).get(id)).toBe(first[0].leaseOwner);

      await sleep(700);
      const again = await claims.claim(request());

      expect(ids(again)).toEqual([id]);
      expect(again[0].leaseOwner).not.toBe(first[0].leaseOwner);
      expect((await owners()).get(id)).toBe(again[0].leaseOwner);
      expect((await owners()).get(other)).toBe(meanwhile[0].leaseOwner);
    });

    it('keeps a leased row from being claimed when a newer value arrives for it', async () => {
      const [id, other] = await seed({ userId: 'learner-1', timestamp: '2026-01-01T00:00:00Z' }, { userId: 'learner-2' });
      await setDueSecondsAgo([id, other], [20, 10]);
      const [held] = await claims.claim(request({ defaultCap: 1 }));
      expect(held.id).toBe(id);

      await ledger.apply([incomingScore({ userId: 'learner-1', timestamp: '2026-01-01T00:00:05Z', scoreGiven: 9 })]);

      expect(ids(await claims.claim(request()))).toEqual([other]);
      const [stored] = (await tableRows()).filter((r) => r.id === id);
      expect(stored).toMatchObject({ status: 'pending', lease_owner: held.leaseOwner, sending_version: '1' });
    });

    it('two claimers at once never take the same row', async () => {
      await seed(...learners('https://a.example', 6), ...learners('https://b.example', 6));

      const [one, two] = await Promise.all([claims.claim(request({ limit: 8 })), claims.claim(request({ limit: 8 }))]);

      const taken = [...ids(one), ...ids(two)];
      expect(new Set(taken).size).toBe(taken.length);
      expect(taken).toHaveLength(12);
      const owners = new Map((await tableRows()).map((r) => [r.id, r.lease_owner]));
      for (const row of [...one, ...two]) expect(owners.get(row.id)).toBe(row.leaseOwner);
    });

    it('renews the leases of the claims that still hold rows, and answers only those', async () => {
      const [id] = await seed({});
      const [held] = await claims.claim(request({ leaseMs: 500 }));

      const holding = await claims.renew([{ owner: held.leaseOwner, ids: [id] }, { owner: randomUUID(), ids: [id] }], 60_000);

      expect(holding).toEqual(new Set([held.leaseOwner]));
      await sleep(700);
      expect(await claims.claim(request())).toEqual([]);
      const [stored] = await tableRows();
      expect(stored).toMatchObject({ id, lease_owner: held.leaseOwner });
      expect(stored.lease_left_ms).toBeGreaterThan(55_000);
    });
  });
});
