import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { DataSource, type DataSourceOptions, type MixedList } from 'typeorm';

export interface AppDatabaseOptions {
  url: string;
  /** The app's own schema; its migrations table lives there too. */
  schema: string;
  entities: MixedList<Function>;
  migrations: MixedList<Function>;
  poolSize?: number;
  /** PostgreSQL `application_name` of every connection: the app's name, so pg_stat_activity and the server log tell the apps apart. */
  applicationName: string;
}

/** TypeORM options for one app: its own schema and migrations table, never synchronize. */
export function dataSourceOptions(options: AppDatabaseOptions): DataSourceOptions {
  return {
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    // Extensions are the migrations' business: a runtime role may not create them.
    installExtensions: false,
    applicationName: options.applicationName,
    logging: ['error'],
    extra: {
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 3000,
      // Fail fast while PostgreSQL restarts instead of queueing forever.
      query_timeout: 30000,
    },
  };
}

/**
 * Creates the database and the app's schema when missing, then applies its
 * migrations under an advisory lock so that replicas starting together do
 * not race. Safe to call on every boot.
 */
export async function prepareDatabase(options: AppDatabaseOptions): Promise<string[]> {
  await createDatabaseIfMissing(options.url, options.applicationName);
  const dataSource = new DataSource(dataSourceOptions({ ...options, poolSize: 2 }));
  await dataSource.initialize();
  const lockKey = advisoryLockKey(`migrations:${options.schema}`);
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock($1)', [lockKey]);
    // Asked first: CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the schema is
    // there, and the migration role owns its schemas without that right (see database-roles.ts).
    const [{ present }] = await runner.query('SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS present', [options.schema]);
    if (!present) await runner.query(`CREATE SCHEMA IF NOT EXISTS "${options.schema}"`);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [lockKey]).catch(() => undefined);
    await runner.release();
    await dataSource.destroy();
  }
}

export async function createDatabaseIfMissing(url: string, applicationName = 'lti-migrations'): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString(), application_name: applicationName });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`).catch((error: { code?: string }) => {
        if (error.code !== '42P04') throw error; // created meanwhile by another process
      });
    }
  } finally {
    await client.end();
  }
}

/** A stable 64-bit advisory lock key for a name. */
export function advisoryLockKey(name: string): string {
  return BigInt.asIntN(64, BigInt(`0x${createHash('sha256').update(name).digest('hex').slice(0, 16)}`)).toString();
}
