import { Client } from 'pg';

/**
 * The PostgreSQL logins of the system: one migration role that owns every
 * app schema and table, and one runtime role per app that may only read and
 * write the rows of its own schema. Roles are cluster-wide, so test suites
 * sharing a server name theirs with a suffix (`databaseRoleNames('_1a2b')`).
 */
export interface DatabaseRoleNames {
  migrator: string;
  launch: string;
  'credential-vault': string;
  grading: string;
}

export type RuntimeApp = Exclude<keyof DatabaseRoleNames, 'migrator'>;

/** Each app's schema (its migrations table lives there too). */
export const APP_SCHEMAS: Readonly<Record<RuntimeApp, string>> = { launch: 'launch', 'credential-vault': 'vault', grading: 'grading' };

export const RUNTIME_APPS = Object.keys(APP_SCHEMAS) as RuntimeApp[];

export function databaseRoleNames(suffix = ''): DatabaseRoleNames {
  if (!/^[a-z0-9_]*$/.test(suffix)) throw new Error(`role name suffix must be lower-case letters, digits and _: ${suffix}`);
  return { migrator: `lti_migrator${suffix}`, launch: `lti_launch${suffix}`, 'credential-vault': `lti_vault${suffix}`, grading: `lti_grading${suffix}` };
}

export interface DatabaseRolesOptions {
  /** The database the apps use (grants on it are per database). */
  database: string;
  roles?: DatabaseRoleNames;
  /** Login passwords; a role without one keeps whatever it had (local trust auth needs none). */
  passwords?: Partial<Record<keyof DatabaseRoleNames, string>>;
}

const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const literal = (value: string): string => `'${value.replace(/'/g, "''")}'`;

/**
 * The statements that create (or bring back in line) every role and grant,
 * idempotent, to be run by a superuser or a role that is a member of the
 * migration role. Runtime roles get USAGE on their schema and DML on its
 * tables and sequences, now and, through ALTER DEFAULT PRIVILEGES, on every
 * table the migration role creates later; no role but the migration role
 * can create anything (PUBLIC loses CREATE and TEMPORARY on the database and
 * CREATE on schema public). Tables made before by another login are handed
 * to the migration role, so running this again after a migration as someone
 * else repairs ownership and grants.
 */
export function databaseRolesSql(options: DatabaseRolesOptions): string[] {
  const roles = options.roles ?? databaseRoleNames();
  const db = ident(options.database);
  const migrator = ident(roles.migrator);
  const sql: string[] = [];
  for (const key of ['migrator', ...RUNTIME_APPS] as const) {
    const role = roles[key];
    sql.push(`DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${literal(role)}) THEN CREATE ROLE ${ident(role)}; END IF; END $$`);
    const password = options.passwords?.[key];
    sql.push(`ALTER ROLE ${ident(role)} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS${password ? ` PASSWORD ${literal(password)}` : ''}`);
  }
  sql.push(`REVOKE ALL ON DATABASE ${db} FROM PUBLIC`);
  sql.push(`GRANT CONNECT ON DATABASE ${db} TO ${[roles.migrator, ...RUNTIME_APPS.map((app) => roles[app])].map(ident).join(', ')}`);
  sql.push('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
  for (const app of RUNTIME_APPS) {
    const schema = APP_SCHEMAS[app];
    const runtime = ident(roles[app]);
    sql.push(`CREATE SCHEMA IF NOT EXISTS ${ident(schema)} AUTHORIZATION ${migrator}`);
    sql.push(`ALTER SCHEMA ${ident(schema)} OWNER TO ${migrator}`);
    sql.push(reassignTablesSql(schema, roles.migrator));
    sql.push(`REVOKE ALL ON SCHEMA ${ident(schema)} FROM PUBLIC`);
    sql.push(`GRANT USAGE ON SCHEMA ${ident(schema)} TO ${runtime}`);
    sql.push(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${ident(schema)} TO ${runtime}`);
    sql.push(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${ident(schema)} TO ${runtime}`);
    sql.push(`ALTER DEFAULT PRIVILEGES FOR ROLE ${migrator} IN SCHEMA ${ident(schema)} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${runtime}`);
    sql.push(`ALTER DEFAULT PRIVILEGES FOR ROLE ${migrator} IN SCHEMA ${ident(schema)} GRANT USAGE ON SEQUENCES TO ${runtime}`);
  }
  return sql;
}

/** Tables, views and free-standing sequences of a schema not yet owned by `owner` become its (a column's sequence follows its table). */
function reassignTablesSql(schema: string, owner: string): string {
  return `DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ${literal(schema)} AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND pg_get_userbyid(c.relowner) <> ${literal(owner)}
      AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')))
  LOOP
    EXECUTE format(CASE WHEN r.relkind = 'S' THEN 'ALTER SEQUENCE %I.%I OWNER TO %I' ELSE 'ALTER TABLE %I.%I OWNER TO %I' END, ${literal(schema)}, r.relname, ${literal(owner)});
  END LOOP;
END $$`;
}

/** Applies databaseRolesSql over an administrator's connection to the apps' database. */
export async function setupDatabaseRoles(adminUrl: string, options: Omit<DatabaseRolesOptions, 'database'> & { database?: string } = {}): Promise<DatabaseRoleNames> {
  const database = options.database ?? decodeURIComponent(new URL(adminUrl).pathname.slice(1));
  const roles = options.roles ?? databaseRoleNames();
  const client = new Client({ connectionString: adminUrl, application_name: 'lti-database-roles' });
  await client.connect();
  try {
    // One transaction: a role set-up that fails half-way leaves nothing half-granted.
    await client.query('BEGIN');
    for (const statement of databaseRolesSql({ ...options, database, roles })) await client.query(statement);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
  return roles;
}

/** The same URL logging in as `role` (with `password`, or none for trust auth). */
export function urlForRole(url: string, role: string, password?: string): string {
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(role);
  parsed.password = password ? encodeURIComponent(password) : '';
  return parsed.toString();
}
