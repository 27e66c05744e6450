// The production database roles (libs/database/src/database-roles.ts) in a
// suite's own database. Roles are cluster-wide, so each suite's carry a suffix
// of their own and are dropped with the database.
import { Client } from 'pg';
import { databaseRoleNames, setupDatabaseRoles, urlForRole, type DatabaseRoleNames } from '@app/database';
import { uniqueSuffix } from './infra';

export interface TestDatabaseRoles {
  names: DatabaseRoleNames;
  /** A login URL per role, into the suite's database (trust auth: no passwords). */
  urls: Record<keyof DatabaseRoleNames, string>;
  /** Drops the roles; call after the suite's database is dropped (they own objects in it). */
  drop(): Promise<void>;
}

/** Creates the roles in `databaseUrl` (a superuser's login), as `npm run db:roles` does. */
export async function createTestDatabaseRoles(databaseUrl: string): Promise<TestDatabaseRoles> {
  const names = databaseRoleNames(`_t${uniqueSuffix()}`);
  await setupDatabaseRoles(databaseUrl, { roles: names });
  const urls = Object.fromEntries(Object.entries(names).map(([key, role]) => [key, urlForRole(databaseUrl, role)])) as TestDatabaseRoles['urls'];
  return {
    names,
    urls,
    async drop() {
      const admin = new URL(databaseUrl);
      admin.pathname = '/postgres';
      const client = new Client({ connectionString: admin.toString() });
      await client.connect();
      try {
        for (const role of Object.values(names)) await client.query(`DROP ROLE IF EXISTS "${role}"`);
      } finally {
        await client.end();
      }
    },
  };
}
