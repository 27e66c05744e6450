// Each app on its own PostgreSQL role, over the real database: the runtime
// roles read and write only their own schema's rows and can create, alter or
// drop nothing; the migration role owns everything; the three apps still do
// their work (a launch captured, its score delivered to the LMS) on them.
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { APP_SCHEMAS, prepareDatabase, RUNTIME_APPS, type RuntimeApp } from '@app/database';
import { createLaunchApp } from '../../apps/launch/src/main';
import { gradingDatabase } from '../../apps/grading/src/grading.database';
import { listeningUrl } from '../support/auth';
import { createTestDatabaseRoles, type TestDatabaseRoles } from '../support/database-roles';
import { startEmulator, type EmulatorHandle } from '../support/emulator';
import { gradingEnv, GradingClient, randomId, startGrading, startVault, type GradingHandle, type VaultHandle } from '../support/grading';
import { createTestDatabase, dropTestDatabase, eventually, kafkaBrokers, testTopicPrefix } from '../support/infra';
import { testLaunchSigning } from '../support/launch-signing';

jest.setTimeout(240_000);

const INSUFFICIENT_PRIVILEGE = '42501';

describe('database roles', () => {
  let databaseUrl: string;
  let roles: TestDatabaseRoles;
  let admin: Client;
  let emulator: EmulatorHandle;
  let vault: VaultHandle;
  let launch: NestFastifyApplication | undefined;
  let grading: GradingHandle | undefined;
  const prefix = testTopicPrefix();
  const brokers = kafkaBrokers();
  const clients: Client[] = [];

  beforeAll(async () => {
    databaseUrl = await createTestDatabase('roles');
    roles = await createTestDatabaseRoles(databaseUrl);
    admin = new Client({ connectionString: databaseUrl });
    await admin.connect();
    emulator = await startEmulator();
    // The vault migrates its schema at boot, as the migration role (MIGRATIONS_URL), then runs as its own.
    vault = await startVault({ databaseUrl: roles.urls['credential-vault'], brokers, topicPrefix: prefix, env: { MIGRATIONS_URL: roles.urls.migrator } });
  });

  afterAll(async () => {
    for (const client of clients) await client.end().catch(() => undefined);
    await grading?.close().catch(() => undefined);
    await launch?.close().catch(() => undefined);
    await vault?.close().catch(() => undefined);
    await emulator?.close().catch(() => undefined);
    await admin?.end().catch(() => undefined);
    if (databaseUrl) await dropTestDatabase(databaseUrl);
    await roles?.drop();
  });

  const launchEnv = (env: Record<string, string>) => ({
    KAFKA_BROKERS: brokers,
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_PARTITIONS: '3',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    LAUNCH_PORT: '0',
    LTIAAS_URL: emulator.url,
    LTIAAS_API_KEY: emulator.apiKey,
    VAULT_SEAL_PUBLIC_JWK: vault.sealPublicJwk,
    ...testLaunchSigning.env,
    ...env,
  });

  async function loginAs(role: keyof TestDatabaseRoles['urls']): Promise<Client> {
    const client = new Client({ connectionString: roles.urls[role] });
    await client.connect();
    clients.push(client);
    return client;
  }

  async function tablesOf(schema: string): Promise<{ name: string; owner: string }[]> {
    const { rows } = await admin.query<{ name: string; owner: string }>('SELECT tablename AS name, tableowner AS owner FROM pg_tables WHERE schemaname = $1 ORDER BY tablename', [schema]);
    return rows;
  }

  const refusal = (promise: Promise<unknown>) => promise.then(() => 'allowed', (error: { code?: string }) => error.code);

  it('keeps an app whose schema lacks a migration from starting unless it may apply it, naming the migration', async () => {
    await expect(createLaunchApp(launchEnv({ DATABASE_URL: roles.urls.launch, MIGRATIONS_RUN: 'false' }))).rejects.toThrow(
      /^Invalid configuration: MIGRATIONS_RUN: schema launch lacks migration CreateLaunchOutbox1763900000000; apply it with npm run migrate/,
    );
    // Allowed to migrate, but logged in as a role that cannot: said plainly, before any half-applied DDL.
    await expect(createLaunchApp(launchEnv({ DATABASE_URL: roles.urls.launch }))).rejects.toThrow(
      /^Invalid configuration: DATABASE_URL: its login may not apply migration CreateLaunchOutbox1763900000000 to schema launch .*MIGRATIONS_URL/,
    );
    expect(await tablesOf('launch')).toEqual([]);

    const started = await createLaunchApp(launchEnv({ DATABASE_URL: roles.urls.launch, MIGRATIONS_URL: roles.urls.migrator }));
    launch = started.app;
    await launch.listen(0, '127.0.0.1');
    expect((await tablesOf('launch')).map((t) => t.name)).toContain('outbox');
  });

  it('starts an app on its runtime role once `npm run migrate` (the migration role) brought its schema up to date', async () => {
    await prepareDatabase(gradingDatabase({ DATABASE_URL: roles.urls.migrator }));
    const gradingKey = await vault.issueKey('grading-service', ['credentials:resolve', 'revocations:read']);
    grading = await startGrading({
      ...gradingEnv({ databaseUrl: roles.urls.grading, brokers, topicPrefix: prefix, ltiaasUrl: emulator.url, ltiaasApiKey: emulator.apiKey, vaultUrl: vault.url, gradingApiKey: gradingKey }),
      MIGRATIONS_RUN: 'false',
    });
    expect((await fetch(`${grading.url}/health/ready`)).status).toBe(200);
  });

  it('lets the migration role own every schema and table, and no runtime role own anything', async () => {
    const { rows } = await admin.query<{ schema: string; owner: string }>('SELECT nspname AS schema, pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname = ANY($1) ORDER BY 1', [Object.values(APP_SCHEMAS)]);
    expect(rows).toEqual(Object.values(APP_SCHEMAS).sort().map((schema) => ({ schema, owner: roles.names.migrator })));
    for (const schema of Object.values(APP_SCHEMAS)) {
      const tables = await tablesOf(schema);
      expect(tables.length).toBeGreaterThan(0);
      for (const table of tables) expect({ schema, ...table }).toEqual({ schema, name: table.name, owner: roles.names.migrator });
    }
    const owned = await admin.query('SELECT relname FROM pg_class WHERE relowner = ANY (SELECT oid FROM pg_roles WHERE rolname = ANY($1))', [RUNTIME_APPS.map((app) => roles.names[app])]);
    expect(owned.rows).toEqual([]);
  });

  it.each([
    { app: 'launch' as RuntimeApp, others: ['vault', 'grading'] },
    { app: 'grading' as RuntimeApp, others: ['vault', 'launch'] },
    { app: 'credential-vault' as RuntimeApp, others: ['launch', 'grading'] },
  ])("keeps $app's role out of the other schemas ($others)", async ({ app, others }) => {
    const client = await loginAs(app);
    for (const schema of others) {
      for (const { name } of await tablesOf(schema)) {
        expect({ table: `${schema}.${name}`, read: await refusal(client.query(`SELECT * FROM "${schema}"."${name}" LIMIT 1`)) }).toEqual({ table: `${schema}.${name}`, read: INSUFFICIENT_PRIVILEGE });
      }
    }
    // Its own rows it reads.
    const own = APP_SCHEMAS[app];
    for (const { name } of await tablesOf(own)) await expect(client.query(`SELECT * FROM "${own}"."${name}" LIMIT 1`)).resolves.toBeDefined();
  });

  it.each(RUNTIME_APPS)("refuses %s's role every kind of DDL, in its own schema and in public", async (app) => {
    const client = await loginAs(app);
    const schema = APP_SCHEMAS[app];
    const [{ name: table }] = await tablesOf(schema);
    const statements = [
      `CREATE TABLE "${schema}".intruder (id int)`,
      'CREATE TABLE public.intruder (id int)',
      `CREATE VIEW "${schema}".intruder AS SELECT 1`,
      `ALTER TABLE "${schema}"."${table}" ADD COLUMN intruder int`,
      `CREATE INDEX intruder ON "${schema}"."${table}" ((1))`,
      `DROP TABLE "${schema}"."${table}"`,
      `TRUNCATE "${schema}"."${table}"`,
      'CREATE SCHEMA intruder',
      'CREATE TEMPORARY TABLE intruder (id int)',
    ];
    const outcomes = [];
    for (const sql of statements) outcomes.push({ sql, outcome: await refusal(client.query(sql)) });
    expect(outcomes).toEqual(statements.map((sql) => ({ sql, outcome: INSUFFICIENT_PRIVILEGE })));
    expect((await tablesOf(schema)).map((t) => t.name)).toContain(table);
  });

  it('gives a runtime role its rights on a table a later migration creates (default privileges)', async () => {
    const migrator = await loginAs('migrator');
    await migrator.query('CREATE TABLE launch.later_migration (id bigserial PRIMARY KEY, note text)');
    try {
      const launchRole = await loginAs('launch');
      await launchRole.query("INSERT INTO launch.later_migration (note) VALUES ('written by launch')");
      await launchRole.query("UPDATE launch.later_migration SET note = 'updated'");
      expect((await launchRole.query('SELECT note FROM launch.later_migration')).rows).toEqual([{ note: 'updated' }]);
      await launchRole.query('DELETE FROM launch.later_migration');
      expect(await refusal((await loginAs('grading')).query('SELECT * FROM launch.later_migration'))).toBe(INSUFFICIENT_PRIVILEGE);
    } finally {
      await migrator.query('DROP TABLE launch.later_migration');
    }
  });

  it('captures a launch and delivers its score with each app on its own role, each connection named after its app', async () => {
    const activity = { platformId: `https://lms.${randomId()}.example`, contextId: 'course-1', resourceLinkId: 'quiz-1' };
    await emulator.admin.enroll(activity.platformId, activity.contextId, [{ userId: 'learner-1', roles: ['Learner'] }]);
    const lms = await emulator.admin.launch({ ...activity, userId: 'instructor-1', roles: ['Instructor'], services: { ags: true, nrps: true }, lineItem: { label: 'Quiz 1', scoreMaximum: 10 } });
    const visit = await fetch(`${listeningUrl(launch!)}/launch?ltik=${encodeURIComponent(lms.ltik)}`, { redirect: 'manual' });
    expect([302, 303]).toContain(visit.status);

    const grader = new GradingClient(() => grading!.url, vault.url, await vault.issueKey('grader', ['scores:write', 'scores:read']));
    const score = { ...activity, userId: 'learner-1', scoreGiven: 8, scoreMaximum: 10, activityProgress: 'Completed', gradingProgress: 'FullyGraded', timestamp: new Date().toISOString() };
    // Accepted once grading has seen the launch (LaunchCaptured) and the vault holds its serviceKey.
    const accepted = await eventually(async () => ((await grader.request('POST', '/v1/scores', score)).status === 202 ? true : undefined), { timeoutMs: 60_000, what: 'score accepted' });
    expect(accepted).toBe(true);
    await eventually(async () => (await emulator.admin.gradebook({ platformId: activity.platformId, userId: 'learner-1' })).find((entry) => entry.scoreGiven === 8), {
      timeoutMs: 90_000,
      what: 'score in the LMS gradebook',
    });

    const { rows } = await admin.query<{ role: string; name: string }>(
      'SELECT DISTINCT usename AS role, application_name AS name FROM pg_stat_activity WHERE datname = current_database() AND usename = ANY($1) ORDER BY 1',
      [RUNTIME_APPS.map((app) => roles.names[app])],
    );
    const testClients = new Set(['']); // this suite's own pg clients set none
    expect(rows.filter((r) => !testClients.has(r.name))).toEqual(
      RUNTIME_APPS.map((app) => ({ role: roles.names[app], name: app })).sort((a, b) => a.role.localeCompare(b.role)),
    );
  });
});
