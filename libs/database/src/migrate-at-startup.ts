import { Client } from 'pg';
import { ConfigError } from '@app/config';
import { prepareDatabase, type AppDatabaseOptions } from './prepare-database';

export interface StartupMigrations {
  /** MIGRATIONS_RUN: whether this process may apply what is missing. */
  run: boolean;
  /** MIGRATIONS_URL: the migration role's login; without it, DATABASE_URL's login migrates. */
  migrationsUrl?: string;
}

/**
 * What an app does with its schema at boot. A schema that is current costs
 * one read and no DDL, so an app connected as its runtime role (which may not
 * create anything) starts. Missing migrations are applied when MIGRATIONS_RUN
 * allows, over MIGRATIONS_URL when given; otherwise the app refuses to start,
 * naming the first missing migration, rather than fail later on a missing
 * table or column.
 */
export async function migrateAtStartup(options: AppDatabaseOptions, startup: StartupMigrations): Promise<string[]> {
  const pending = await pendingMigrations(options);
  if (pending.length === 0) return [];
  const more = pending.length > 1 ? ` (and ${pending.length - 1} more)` : '';
  if (!startup.run) {
    throw new ConfigError('MIGRATIONS_RUN', `schema ${options.schema} lacks migration ${pending[0]}${more}; apply it with npm run migrate (or the migration Job) first, or set MIGRATIONS_RUN=true with MIGRATIONS_URL`);
  }
  try {
    return await prepareDatabase({ ...options, url: startup.migrationsUrl ?? options.url });
  } catch (error) {
    if ((error as { code?: string }).code !== '42501') throw error;
    const variable = startup.migrationsUrl ? 'MIGRATIONS_URL' : 'DATABASE_URL';
    throw new ConfigError(variable, `its login may not apply migration ${pending[0]}${more} to schema ${options.schema} (${(error as Error).message}); give MIGRATIONS_URL the migration role's login, or run npm run migrate first`);
  }
}

/**
 * The app's migrations its schema's migrations table does not record yet, in
 * order: all of them when the database, the schema or the table is missing.
 * Reads only what the app's runtime role may read.
 */
export async function pendingMigrations(options: AppDatabaseOptions): Promise<string[]> {
  const all = migrationNames(options);
  const client = new Client({ connectionString: options.url, application_name: options.applicationName, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
  } catch (error) {
    if ((error as { code?: string }).code === '3D000') return all; // no database yet
    throw error;
  }
  try {
    const table = await client.query('SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = $1 AND tablename = $2', [options.schema, 'migrations']);
    if (table.rowCount === 0) return all;
    const applied = await client.query<{ name: string }>(`SELECT name FROM "${options.schema.replace(/"/g, '""')}"."migrations"`);
    const done = new Set(applied.rows.map((row) => row.name));
    return all.filter((name) => !done.has(name));
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Names as TypeORM records them: the migration's `name`, else its class name. */
function migrationNames(options: AppDatabaseOptions): string[] {
  const list = Array.isArray(options.migrations) ? options.migrations : Object.values(options.migrations);
  return list
    .filter((migration): migration is new () => { name?: string } => typeof migration === 'function')
    .map((Migration) => new Migration().name ?? Migration.name);
}
