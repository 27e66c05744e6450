// Recording delivery results on the real PostgreSQL with grading's own
// migrations: a result that outlived its lease changes nothing, a result for
// a value that a newer one replaced keeps the newer value's state, and every
// table of a batch is written in one transaction or not at all.
import { Test, type TestingModule } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SCORE_DELIVERED_V1, SCORE_FAILED_V1 } from '@app/contracts';
import { dataSourceOptions, migrateAtStartup } from '@app/database';
import { OutboxStore } from '@app/messaging';
import { CLOCK, systemClock } from '../../../apps/grading/src/common/clock';
import { ContextsRepository } from '../../../apps/grading/src/contexts/contexts.repository';
import { DeadLettersRepository } from '../../../apps/grading/src/dead-letters/dead-letters.repository';
import { DeliveryAttemptsRepository } from '../../../apps/grading/src/delivery/delivery-attempts.repository';
import { DeliveryCompletionService, SETTLE_RULES, type SettleRules } from '../../../apps/grading/src/delivery/delivery-completion.service';
import type { Completion, Outcome } from '../../../apps/grading/src/delivery/delivery-outcome';
import { LineItemSendsRepository } from '../../../apps/grading/src/delivery/line-items/line-item-sends.repository';
import { gradingDatabase } from '../../../apps/grading/src/grading.database';
import { LedgerMaintenanceRepository } from '../../../apps/grading/src/ledger/ledger-maintenance.repository';
import { ScoreClaimRepository, type ClaimedScore } from '../../../apps/grading/src/ledger/score-claim.repository';
import { ScoreCompletionRepository } from '../../../apps/grading/src/ledger/score-completion.repository';
import { OutcomeOutboxRepository } from '../../../apps/grading/src/outcomes/outcome-outbox.repository';
import { createTestDatabase, dropTestDatabase, uniqueSuffix } from '../../support/infra';

const rules: SettleRules = { backoff: { baseMs: 1_000, maxMs: 1_000, random: () => 0 }, giveUpAfterMs: 24 * 3_600_000, relaunchGraceMs: 0 };
const TIMESTAMP = '2026-03-01T12:00:00.000Z';

interface ScoreRow {
  status: string;
  version: string;
  lease_owner: string | null;
  attempts: number;
  last_error: string | null;
  delivered_version: string | null;
}

describe('recording delivery results (PostgreSQL)', () => {
  let databaseUrl: string;
  let moduleRef: TestingModule;
  let db: DataSource;
  let claims: ScoreClaimRepository;
  let completions: DeliveryCompletionService;
  let sends: LineItemSendsRepository;

  beforeAll(async () => {
    databaseUrl = await createTestDatabase('completion');
    const database = gradingDatabase({ DATABASE_URL: databaseUrl });
    await migrateAtStartup(database, { run: true });
    moduleRef = await Test.createTestingModule({
      imports: [TypeOrmModule.forRoot(dataSourceOptions(database))],
      providers: [
        { provide: SETTLE_RULES, useValue: rules },
        { provide: CLOCK, useValue: systemClock },
        LedgerMaintenanceRepository,
        ContextsRepository,
        ScoreClaimRepository,
        ScoreCompletionRepository,
        LineItemSendsRepository,
        DeliveryAttemptsRepository,
        DeadLettersRepository,
        { provide: OutboxStore, inject: [DataSource], useFactory: (dataSource: DataSource) => new OutboxStore(dataSource, { schema: 'grading' }) },
        OutcomeOutboxRepository,
        DeliveryCompletionService,
      ],
    }).compile();
    db = moduleRef.get(DataSource);
    claims = moduleRef.get(ScoreClaimRepository);
    completions = moduleRef.get(DeliveryCompletionService);
    sends = moduleRef.get(LineItemSendsRepository);
  });

  afterAll(async () => {
    await moduleRef?.close();
    if (databaseUrl) await dropTestDatabase(databaseUrl);
  });

  /** Pending rows of a platform of their own (claims below take no other platform's rows), with the ScoreReady each came from. */
  async function scores(platformId: string, users: string[]): Promise<string[]> {
    const ids: string[] = [];
    for (const user of users) {
      const [{ id }] = await db.query(
        `INSERT INTO grading.scores (platform_id, context_id, resource_link_id, line_item_key, user_id, activity_progress, grading_progress, score_given, score_maximum, "timestamp", timestamp_ns, event_id)
         VALUES ($1, 'c', 'r', '', $2, 'Completed', 'FullyGraded', 7, 10, $3, 1772366400000000000, $4) RETURNING id::text`,
        [platformId, user, TIMESTAMP, `ev-${platformId}-${user}`],
      );
      await db.query(
        `INSERT INTO grading.score_events (event_id, platform_id, context_id, resource_link_id, line_item_key, user_id, "timestamp", timestamp_ns, outcome, data, correlation_id)
         VALUES ($1, $2, 'c', 'r', '', $3, $4, 1772366400000000000, 'applied', '{}', $5)`,
        [`ev-${platformId}-${user}`, platformId, user, TIMESTAMP, `corr-${user}`],
      );
      ids.push(id);
    }
    return ids;
  }

  const claim = (platformId: string) => claims.claim({ limit: 100, leaseMs: 60_000, caps: new Map([[platformId, 100]]), defaultCap: 0, now: Date.now() });

  const done = (row: ClaimedScore, outcome: Outcome, turnOf?: string): Completion => ({ row, outcome, attemptedAt: new Date(), ...(turnOf ? { turnOf } : {}) });

  async function scoreRow(id: string): Promise<ScoreRow> {
    const [row] = await db.query(
      `SELECT status, version::text, lease_owner::text, attempts, last_error, delivered_version::text FROM grading.scores WHERE id = $1`,
      [id],
    );
    return row;
  }

  const count = async (sql: string, params: unknown[]): Promise<number> => Number((await db.query(sql, params))[0].n);
  const attemptsOf = (id: string) => count(`SELECT count(*) AS n FROM grading.score_attempts WHERE score_id = $1`, [id]);
  const deadLettersOf = (id: string) => count(`SELECT count(*) AS n FROM grading.dead_letters WHERE score_id = $1`, [id]);
  /** The outcome events queued for a platform's rows, by type. */
  const outcomesOf = async (platformId: string): Promise<Array<{ type: string; scoreId: string; eventId?: string }>> =>
    (await db.query(`SELECT value::jsonb AS event FROM grading.outbox WHERE value::jsonb->'data'->>'platformId' = $1 ORDER BY id`, [platformId])).map(
      (r: { event: { type: string; data: { scoreId: string; eventId?: string } } }) => ({ type: r.event.type, scoreId: r.event.data.scoreId, eventId: r.event.data.eventId }),
    );

  it('leaves a row whose lease passed to another claimer as that claimer has it, and counts it as fenced', async () => {
    const platform = `fenced-${uniqueSuffix()}`;
    const [lost, kept] = await scores(platform, ['u1', 'u2']);
    const first = await claim(platform);
    expect(first.map((r) => r.id).sort()).toEqual([lost, kept].sort());
    // The first claimer's lease on one row ends; another claimer takes that row.
    await db.query(`UPDATE grading.scores SET lease_until = now() - interval '1 second' WHERE id = $1`, [lost]);
    const second = await claim(platform);
    expect(second.map((r) => r.id)).toEqual([lost]);

    const result = await completions.complete(first.map((row) => done(row, { kind: 'delivered', lineItemId: 'li-1' })));

    expect(result.fenced).toBe(1);
    expect(await scoreRow(lost)).toEqual({ status: 'pending', version: '1', lease_owner: second[0].leaseOwner, attempts: 0, last_error: null, delivered_version: null });
    expect(await scoreRow(kept)).toEqual({ status: 'delivered', version: '1', lease_owner: null, attempts: 1, last_error: null, delivered_version: '1' });
    expect(await outcomesOf(platform)).toEqual([{ type: SCORE_DELIVERED_V1, scoreId: kept, eventId: `ev-${platform}-u2` }]);

    // The claimer that holds the lease records its result.
    const again = await completions.complete([done(second[0], { kind: 'failed', statusCode: 400, message: 'refused by the LMS' })]);
    expect(again.fenced).toBe(0);
    expect(await scoreRow(lost)).toMatchObject({ status: 'failed', lease_owner: null, attempts: 1, last_error: 'refused by the LMS' });
    expect(await deadLettersOf(lost)).toBe(1);
  });

  it('keeps the state of a newer value that arrived while the older one was being sent', async () => {
    const platform = `version-${uniqueSuffix()}`;
    const [delivered, failed] = await scores(platform, ['u1', 'u2']);
    const claimed = await claim(platform);
    // A newer value of each row arrives while version 1 is in flight.
    await db.query(`UPDATE grading.scores SET version = version + 1 WHERE id = ANY($1::bigint[])`, [[delivered, failed]]);
    const byId = new Map(claimed.map((r) => [r.id, r]));

    const result = await completions.complete([
      done(byId.get(delivered)!, { kind: 'delivered', lineItemId: 'li-1' }),
      done(byId.get(failed)!, { kind: 'failed', statusCode: 422, message: 'invalid score' }),
    ]);

    expect(result.fenced).toBe(0);
    // Both rows are released and stay due for version 2; only the delivery of version 1 is remembered.
    expect(await scoreRow(delivered)).toEqual({ status: 'pending', version: '2', lease_owner: null, attempts: 0, last_error: null, delivered_version: '1' });
    expect(await scoreRow(failed)).toEqual({ status: 'pending', version: '2', lease_owner: null, attempts: 0, last_error: null, delivered_version: null });
    // The failure of a value already replaced is logged as an attempt, but is neither dead-lettered nor announced.
    expect(await attemptsOf(failed)).toBe(1);
    expect(await deadLettersOf(failed)).toBe(0);
    expect((await outcomesOf(platform)).map((o) => [o.type, o.scoreId])).toEqual([[SCORE_DELIVERED_V1, delivered]]);
  });

  it('writes every table of a batch in one transaction: a failing later write leaves no earlier one', async () => {
    const platform = `atomic-${uniqueSuffix()}`;
    const [delivered, refused, failed] = await scores(platform, ['u1', 'u2', 'u3']);
    const claimed = await claim(platform);
    const byId = new Map(claimed.map((r) => [r.id, r]));
    const row = (id: string) => byId.get(id)!;
    const turns = await sends.take(
      [{ platformId: platform, contextId: 'c', lineItemId: 'li-1', userId: 'u1', timestampNs: row(delivered).timestampNs, scoreId: delivered, owner: row(delivered).leaseOwner }],
      60_000,
    );
    expect(turns).toEqual(['go']);
    const batch = [
      done(row(delivered), { kind: 'delivered', lineItemId: 'li-1' }, 'li-1'),
      done(row(refused), { kind: 'credential', problem: { type: 'rejected', capturedAt: null }, statusCode: 401, message: 'serviceKey refused' }),
      done(row(failed), { kind: 'failed', statusCode: 400, message: 'refused by the LMS' }),
    ];
    // Dead letters are written after the ledger rows, the send turns, the context and the attempt log.
    await db.query(`CREATE FUNCTION grading.refuse_dead_letter() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'dead letters refused'; END $$`);
    await db.query(`CREATE TRIGGER refuse_dead_letter BEFORE INSERT ON grading.dead_letters FOR EACH ROW EXECUTE FUNCTION grading.refuse_dead_letter()`);
    try {
      await expect(completions.complete(batch)).rejects.toThrow('dead letters refused');
    } finally {
      await db.query(`DROP TRIGGER refuse_dead_letter ON grading.dead_letters`);
      await db.query(`DROP FUNCTION grading.refuse_dead_letter()`);
    }

    for (const id of [delivered, refused, failed]) {
      expect(await scoreRow(id)).toEqual({ status: 'pending', version: '1', lease_owner: row(id).leaseOwner, attempts: 0, last_error: null, delivered_version: null });
      expect(await attemptsOf(id)).toBe(0);
    }
    expect(await count(`SELECT count(*) AS n FROM grading.line_item_sends WHERE platform_id = $1 AND lease_owner IS NOT NULL`, [platform])).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM grading.contexts WHERE platform_id = $1`, [platform])).toBe(0);
    expect(await deadLettersOf(failed)).toBe(0);
    expect(await outcomesOf(platform)).toEqual([]);

    // The same batch once the database takes it: every table is written.
    const result = await completions.complete(batch);
    expect(result.fenced).toBe(0);
    expect(result.staleContexts).toEqual([{ triple: { platformId: platform, contextId: 'c', resourceLinkId: 'r' }, capturedAt: null, reason: 'serviceKey refused' }]);
    expect(await scoreRow(delivered)).toMatchObject({ status: 'delivered', lease_owner: null, attempts: 1 });
    expect(await scoreRow(refused)).toMatchObject({ status: 'waiting_for_launch', lease_owner: null, attempts: 1 });
    expect(await scoreRow(failed)).toMatchObject({ status: 'failed', lease_owner: null, attempts: 1 });
    for (const id of [delivered, refused, failed]) expect(await attemptsOf(id)).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM grading.line_item_sends WHERE platform_id = $1 AND lease_owner IS NOT NULL`, [platform])).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM grading.contexts WHERE platform_id = $1 AND credential_stale_at IS NOT NULL`, [platform])).toBe(1);
    expect(await deadLettersOf(failed)).toBe(1);
    expect((await outcomesOf(platform)).map((o) => [o.type, o.scoreId])).toEqual([
      [SCORE_DELIVERED_V1, delivered],
      [SCORE_FAILED_V1, failed],
    ]);
  });
});
