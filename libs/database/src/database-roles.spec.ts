import { databaseRoleNames, databaseRolesSql, urlForRole } from './database-roles';

describe('database roles', () => {
  const sql = databaseRolesSql({ database: 'lti_grading', roles: databaseRoleNames('_x'), passwords: { launch: "it's secret" } });

  it('gives each runtime role USAGE and row rights on its own schema only, now and by default privileges', () => {
    for (const [schema, role] of [['launch', 'lti_launch_x'], ['vault', 'lti_vault_x'], ['grading', 'lti_grading_x']]) {
      const grants = sql.filter((s) => s.includes(`"${role}"`) && /GRANT/.test(s));
      expect(grants.every((s) => s.includes(`"${schema}"`) || s.startsWith('GRANT CONNECT ON DATABASE'))).toBe(true);
      expect(grants.join('\n')).not.toMatch(/CREATE|ALL PRIVILEGES|TRUNCATE|REFERENCES|TRIGGER/);
      expect(sql).toContain(`ALTER DEFAULT PRIVILEGES FOR ROLE "lti_migrator_x" IN SCHEMA "${schema}" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "${role}"`);
    }
  });

  it('takes CREATE and TEMPORARY from PUBLIC, and makes the migration role the owner of the schemas', () => {
    expect(sql).toContain('REVOKE ALL ON DATABASE "lti_grading" FROM PUBLIC');
    expect(sql).toContain('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
    expect(sql).toContain('ALTER SCHEMA "vault" OWNER TO "lti_migrator_x"');
  });

  it('sets a given password, quoted, and leaves the others alone', () => {
    expect(sql).toContain(`ALTER ROLE "lti_launch_x" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD 'it''s secret'`);
    expect(sql.filter((s) => s.includes('PASSWORD'))).toHaveLength(1);
  });

  it('refuses a suffix that would need quoting, and builds login URLs', () => {
    expect(() => databaseRoleNames('-x')).toThrow(/suffix/);
    expect(urlForRole('postgres://postgres:pw@db:5432/lti', 'lti_launch', 'p@ss')).toBe('postgres://lti_launch:p%40ss@db:5432/lti');
    expect(urlForRole('postgres://postgres:pw@db:5432/lti', 'lti_launch')).toBe('postgres://lti_launch@db:5432/lti');
  });
});
