#!/usr/bin/env node
// npm test: type-check, build, then every suite — unit first, then end-to-end
// over the real Kafka broker and PostgreSQL (started here when none is set).
// Ends with one line "tests: N passed, N failed" and a non-zero exit on any failure.
import fs from 'node:fs';
import path from 'node:path';
import { ensureDatabase, ensureKafka, ROOT, stopKafka } from './lib/infra.mjs';
import { bin, must, run } from './lib/run.mjs';

const extraArgs = process.argv.slice(2);
const reports = path.join(ROOT, '.cache', 'jest');
fs.mkdirSync(reports, { recursive: true });

await must(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']);
await must('node', [path.join(ROOT, 'scripts', 'build.mjs')]);

const kafka = await ensureKafka();
const db = await ensureDatabase();
const env = { ...process.env, KAFKA_BROKERS: kafka.brokers, DATABASE_URL: db.url, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' };

let failed = false;
let passedTests = 0;
let failedTests = 0;
try {
  for (const project of ['unit', 'e2e']) {
    const outputFile = path.join(reports, `${project}.json`);
    fs.rmSync(outputFile, { force: true });
    const args = ['--selectProjects', project, '--json', `--outputFile=${outputFile}`, '--forceExit', ...extraArgs];
    if (project === 'e2e') args.push('--runInBand');
    const code = await run(bin('jest'), args, { env });
    if (code !== 0) failed = true;
    if (fs.existsSync(outputFile)) {
      const result = JSON.parse(fs.readFileSync(outputFile, 'utf8'));
      passedTests += result.numPassedTests;
      failedTests += result.numFailedTests + (result.numRuntimeErrorTestSuites ?? 0);
    } else {
      failedTests += 1;
    }
  }
} finally {
  if (kafka.started) await stopKafka({ log: false }).catch(() => undefined);
  await db.stop();
}
console.log(`tests: ${passedTests} passed, ${failedTests} failed`);
process.exit(failed || failedTests > 0 ? 1 : 0);
