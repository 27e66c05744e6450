#!/usr/bin/env node
// npm run bench: builds, starts (or reuses) the local infrastructure, and runs
// every dist/bench/*.bench.js in turn. Each benchmark prints JSON lines on stdout.
// `npm run bench -- launch delivery` runs only the named ones.
import fs from 'node:fs';
import path from 'node:path';
import { ensureDatabase, ensureKafka, ROOT, stopKafka } from './lib/infra.mjs';
import { must, run } from './lib/run.mjs';

await must('node', [path.join(ROOT, 'scripts', 'build.mjs')]);
const kafka = await ensureKafka({ log: false });
const db = await ensureDatabase({ log: false });
const env = { ...process.env, KAFKA_BROKERS: kafka.brokers, DATABASE_URL: db.url, LOG_LEVEL: 'warn' };

const only = process.argv.slice(2);
const dir = path.join(ROOT, 'dist', 'bench');
const benches = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => only.length === 0 || only.some((name) => f.startsWith(name)))
  .sort();
let failures = 0;
try {
  for (const file of benches) {
    process.stderr.write(`[bench] ${file}\n`);
    if ((await run('node', [path.join(dir, file)], { env })) !== 0) failures++;
  }
} finally {
  if (kafka.started) await stopKafka({ log: false });
  await db.stop();
}
process.exit(failures ? 1 : 0);
