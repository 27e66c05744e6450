#!/usr/bin/env node
// Applies every app's migrations (each app owns a schema and its migrations
// table), logged in as MIGRATIONS_URL (the migration role, lti_migrator) or,
// without it, as DATABASE_URL. Apps also apply what is missing at start-up
// unless MIGRATIONS_RUN=false.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ensureDatabase, ROOT } from './lib/infra.mjs';
import { bin, must } from './lib/run.mjs';

const require = createRequire(import.meta.url);
if (!fs.existsSync(path.join(ROOT, 'dist', 'libs', 'database', 'src', 'index.js'))) await must('node', [path.join(ROOT, 'scripts', 'build.mjs')]);

const { url } = await ensureDatabase({ url: process.env.MIGRATIONS_URL || process.env.DATABASE_URL });
const { prepareDatabase } = require(path.join(ROOT, 'dist/libs/database/src/index.js'));
const apps = [
  ['launch', 'dist/apps/launch/src/launch.database.js', 'launchDatabase'],
  ['credential-vault', 'dist/apps/credential-vault/src/vault.database.js', 'vaultDatabase'],
  ['grading', 'dist/apps/grading/src/grading.database.js', 'gradingDatabase'],
];
for (const [app, file, factory] of apps) {
  const options = require(path.join(ROOT, file))[factory]({ DATABASE_URL: url });
  const applied = await prepareDatabase(options);
  console.log(`${app}: schema ${options.schema}, ${applied.length ? `applied ${applied.join(', ')}` : 'up to date'}`);
}
