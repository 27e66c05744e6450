#!/usr/bin/env node
// Creates (or brings back in line) the database roles: lti_migrator, which owns
// the app schemas and runs the migrations, and one runtime role per app
// (lti_launch, lti_vault, lti_grading) that may only read and write its own
// schema's rows. Idempotent. See README, "Database roles".
//
//   DATABASE_ADMIN_URL=postgres://admin@host/lti_grading npm run db:roles            applies it
//   npm run db:roles -- --print                                                      prints the SQL instead
//
// Passwords (optional; local trust auth needs none): DB_MIGRATOR_PASSWORD,
// DB_LAUNCH_PASSWORD, DB_VAULT_PASSWORD, DB_GRADING_PASSWORD.
// --suffix _x names the roles lti_migrator_x, ... (roles are cluster-wide).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureDatabase, ROOT } from './lib/infra.mjs';
import { must } from './lib/run.mjs';

const require = createRequire(import.meta.url);
const { values: args } = parseArgs({ options: { print: { type: 'boolean', default: false }, suffix: { type: 'string', default: '' } } });
if (!fs.existsSync(path.join(ROOT, 'dist', 'libs', 'database', 'src', 'index.js'))) await must('node', [path.join(ROOT, 'scripts', 'build.mjs')]);
const { databaseRoleNames, databaseRolesSql, setupDatabaseRoles } = require(path.join(ROOT, 'dist/libs/database/src/index.js'));

const roles = databaseRoleNames(args.suffix);
const passwords = {
  migrator: process.env.DB_MIGRATOR_PASSWORD,
  launch: process.env.DB_LAUNCH_PASSWORD,
  'credential-vault': process.env.DB_VAULT_PASSWORD,
  grading: process.env.DB_GRADING_PASSWORD,
};

if (args.print) {
  const database = process.env.DATABASE_ADMIN_URL ? decodeURIComponent(new URL(process.env.DATABASE_ADMIN_URL).pathname.slice(1)) : 'lti_grading';
  for (const statement of databaseRolesSql({ database, roles, passwords })) process.stdout.write(`${statement};\n`);
} else {
  const { url } = await ensureDatabase({ url: process.env.DATABASE_ADMIN_URL });
  await setupDatabaseRoles(url, { roles, passwords });
  console.log(`database roles ready: ${Object.values(roles).join(', ')}`);
}
