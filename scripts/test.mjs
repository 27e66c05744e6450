#!/usr/bin/env node
// npm test: type-check, build, then every suite over the real Kafka broker and
// PostgreSQL (started here when none is set), in passes:
//   - unit and end-to-end suites on this machine's Node.js, then the grading
//     suites again against an emulator that answers as real LTIAAS (no
//     rate-limit headers);
//   - unit and end-to-end suites again on the current Node.js LTS;
//   - the messaging and grading suites again on Apache Kafka 3.9.
// The second Node.js runs beside the main pass (own databases, topic prefixes
// and, through TEST_PORT_OFFSET, fixed ports), Kafka 3.9 after it; those side
// passes write their output to .cache/jest/<pass>.log and are summarised here.
// Ends with one line "tests: N passed, N failed" and a non-zero exit on any failure.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureDatabase, ensureKafka, ROOT, stopKafka } from './lib/infra.mjs';
import { ensureNodeRuntime } from './lib/node-runtime.mjs';
import { bin, must } from './lib/run.mjs';

const extraArgs = process.argv.slice(2);
const reports = path.join(ROOT, '.cache', 'jest');
fs.mkdirSync(reports, { recursive: true });
// The current LTS beside the machine's own Node.js; SECOND_NODE=none skips those passes.
const SECOND_NODE = process.env.SECOND_NODE ?? '24';
const sidePasses = extraArgs.length === 0 && process.env.SIDE_PASSES !== 'none';
const JEST = path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
// Kafka 3.9's broker (controller on 20501); the grading resilience suite's own broker in that pass on 19502.
const KAFKA_39_PORT = 19501;

await must(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']);
await must(bin('tsc'), ['-p', 'apps/console/web/tsconfig.json']);
await must('node', [path.join(ROOT, 'scripts', 'build.mjs')]);

const kafka = await ensureKafka();
const db = await ensureDatabase();
const env = { ...process.env, KAFKA_BROKERS: kafka.brokers, DATABASE_URL: db.url, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' };
const secondNode = SECOND_NODE !== 'none' && sidePasses ? ensureNodeRuntime(SECOND_NODE) : undefined;

const results = [];
try {
  const side = [];
  if (secondNode) {
    side.push(
      lane(`node${SECOND_NODE}`, [
        { name: `unit-node${SECOND_NODE}`, project: 'unit', node: secondNode.binary },
        // Fixed ports moved out of the way of the main pass running beside it.
        { name: `e2e-node${SECOND_NODE}`, project: 'e2e', node: secondNode.binary, env: { TEST_PORT_OFFSET: '300' } },
      ]),
    );
  }
  await lane('main', [
    { name: 'unit', project: 'unit' },
    { name: 'e2e', project: 'e2e' },
    {
      name: 'e2e-ltiaas-headers-off',
      project: 'e2e',
      paths: ['test/grading/api.e2e-spec.ts', 'test/grading/delivery.e2e-spec.ts'],
      env: { EMULATOR_RATE_LIMIT_HEADERS: 'false' },
    },
  ], { inherit: true });
  // After the main pass rather than beside it too: three passes at once on two cores starve the
  // broker-restart case of the resilience suite of CPU for longer than its deadlines allow.
  if (sidePasses) side.push(kafka39Lane());
  await Promise.all(side);
} finally {
  if (kafka.started) await stopKafka({ log: false }).catch(() => undefined);
  await stopKafka({ port: KAFKA_39_PORT, log: false }).catch(() => undefined);
  await db.stop();
}

let passedTests = 0;
let failedTests = 0;
let failed = false;
console.log('\n=== passes ===');
for (const r of results) {
  console.log(`${r.name.padEnd(24)} ${String(r.passed).padStart(5)} passed ${String(r.failed).padStart(3)} failed  ${r.seconds} s${r.log ? `  (${path.relative(ROOT, r.log)})` : ''}`);
  passedTests += r.passed;
  failedTests += r.failed;
  if (r.code !== 0) failed = true;
  if (r.code !== 0 || r.failed > 0) printFailures(r);
}
console.log(`tests: ${passedTests} passed, ${failedTests} failed`);
process.exit(failed || failedTests > 0 ? 1 : 0);

/**
 * A failed pass, as jest reported it: each failed test's name and the first
 * lines of its message, so that the summary alone says what broke.
 */
function printFailures(result) {
  const report = result.outputFile && fs.existsSync(result.outputFile) ? JSON.parse(fs.readFileSync(result.outputFile, 'utf8')) : null;
  if (!report) {
    process.stdout.write(`  no jest report; see ${result.log ? path.relative(ROOT, result.log) : 'its output above'}\n`);
    return;
  }
  for (const suite of report.testResults) {
    const failures = suite.assertionResults.filter((a) => a.status === 'failed');
    if (failures.length === 0 && !suite.message) continue;
    process.stdout.write(`FAIL ${path.relative(ROOT, suite.name)}\n`);
    for (const failure of failures) {
      process.stdout.write(`  ● ${failure.fullName}\n`);
      const message = failure.failureMessages.join('\n').replace(/\x1b\[[0-9;]*m/g, '').split('\n').slice(0, 20);
      process.stdout.write(message.map((line) => `    ${line}`).join('\n') + '\n');
    }
    if (failures.length === 0) process.stdout.write(suite.message.split('\n').slice(0, 20).map((line) => `    ${line}`).join('\n') + '\n');
    printGradingWarnings(result.gradingLogs, suite.startTime, suite.endTime);
  }
}

/**
 * What the grading processes a failed suite started logged at warn and above
 * (their log files are named by the time they started), the last lines of each.
 */
function printGradingWarnings(dir, startTime, endTime) {
  if (!dir || !fs.existsSync(dir)) return;
  for (const file of fs.readdirSync(dir).sort()) {
    const startedAt = Number(/-(\d+)\.log$/.exec(file)?.[1]);
    if (!(startedAt >= startTime && startedAt <= endTime)) continue;
    const lines = fs.readFileSync(path.join(dir, file), 'utf8').split('\n').filter((line) => /"level":"(warn|error|fatal)"/.test(line) && !line.includes('"request completed"'));
    if (lines.length === 0) continue;
    process.stdout.write(`  grading log ${file}, last warnings of ${lines.length}:\n`);
    process.stdout.write(lines.slice(-15).map((line) => `    ${line.slice(0, 600)}`).join('\n') + '\n');
  }
}

/** Runs passes one after another; a side lane's output goes to a log file of its own. */
async function lane(name, passes, { inherit = false } = {}) {
  const log = inherit ? undefined : path.join(reports, `${name}.log`);
  const out = log ? fs.openSync(log, 'w') : undefined;
  try {
    for (const pass of passes) {
      if (inherit) process.stdout.write(`\n=== ${pass.name} ===\n`);
      results.push(await jestPass(pass, out === undefined ? 'inherit' : out, log));
    }
  } finally {
    if (out !== undefined) fs.closeSync(out);
  }
}

async function jestPass(pass, stdio, log) {
  const outputFile = path.join(reports, `${pass.name}.json`);
  fs.rmSync(outputFile, { force: true });
  // Every grading process the suites spawn logs here (the test support creates the folder), so a
  // failed test can be shown with what grading said.
  const gradingLogs = path.join(reports, `${pass.name}-grading`);
  fs.rmSync(gradingLogs, { recursive: true, force: true });
  const args = [JEST, ...(pass.paths ?? []), '--selectProjects', pass.project, '--json', `--outputFile=${outputFile}`, '--forceExit', ...extraArgs];
  if (pass.project === 'e2e') args.push('--runInBand');
  const started = Date.now();
  const code = await new Promise((resolve) => {
    const gradingEnv = pass.project === 'e2e' ? { GRADING_E2E_LOG_DIR: gradingLogs } : {};
    const child = spawn(pass.node ?? process.execPath, args, { cwd: ROOT, env: { ...env, ...gradingEnv, ...pass.env }, stdio: ['ignore', stdio, stdio] });
    child.on('error', () => resolve(1));
    child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
  });
  const result = fs.existsSync(outputFile) ? JSON.parse(fs.readFileSync(outputFile, 'utf8')) : null;
  return {
    name: pass.name,
    code,
    log,
    outputFile,
    gradingLogs,
    seconds: Math.round((Date.now() - started) / 1000),
    passed: result?.numPassedTests ?? 0,
    failed: result ? result.numFailedTests + (result.numRuntimeErrorTestSuites ?? 0) : 1,
  };
}

/**
 * Kafka 3.9 is still covered: the messaging and grading suites again, against a
 * 3.9.1 broker of their own. The load there is smaller: the point is the
 * protocol; the acceptance sizes run on the main broker.
 */
async function kafka39Lane() {
  const log = path.join(reports, 'kafka-3.9.log');
  const out = fs.openSync(log, 'w');
  try {
    const broker = await ensureKafka({ port: KAFKA_39_PORT, version: '3.9.1', brokersFromEnv: false, timeoutMs: 120_000, log: (line) => fs.writeSync(out, `[infra] ${line}\n`) });
    const sized = (name, value) => ({ [name]: process.env[name] ?? value });
    results.push(
      await jestPass(
        {
          name: 'e2e-kafka-3.9',
          project: 'e2e',
          paths: ['test/messaging/', 'test/grading/'],
          env: {
            KAFKA_BROKERS: broker.brokers,
            KAFKA_VERSION: '3.9.1',
            GRADING_E2E_BROKER_PORT: String(KAFKA_39_PORT + 1),
            // Clear of the main pass's and the second Node.js pass's fixed ports.
            TEST_PORT_OFFSET: '600',
            ...sized('GRADING_E2E_SCORES', '2000'),
            ...sized('GRADING_E2E_USERS', '50'),
            ...sized('GRADING_E2E_ACTIVITIES', '5'),
            ...sized('GRADING_E2E_MALFORMED', '100'),
          },
        },
        out,
        log,
      ),
    );
  } catch (err) {
    fs.writeSync(out, `could not run the Kafka 3.9 pass: ${err.message}\n`);
    results.push({ name: 'e2e-kafka-3.9', code: 1, log, seconds: 0, passed: 0, failed: 1 });
  } finally {
    fs.closeSync(out);
  }
}
