#!/usr/bin/env node
// node scripts/infra.mjs up|down|status
//
//   up      start (or reuse) the local Kafka broker and make sure the database
//           exists; prints KAFKA_BROKERS=... and DATABASE_URL=... on stdout
//           (progress goes to stderr), so `eval "$(node scripts/infra.mjs up)"`
//           works. What it starts keeps running after it exits.
//   down    stop the broker (and the embedded PostgreSQL) that `up` started;
//           their data stays.
//   status  tell what is running.
//
// KAFKA_PORT (default 9092) and PG_PORT (default 5432) pick the local ports,
// KAFKA_VERSION the broker's version (default 4.2.2; 3.9.1 is still covered);
// KAFKA_BROKERS and DATABASE_URL, when set, are used instead of local ones.

import fs from 'node:fs';
import {
  defaultKafkaPort,
  ensureDatabase,
  ensureKafka,
  killKafka,
  kafkaNodeFiles,
  kafkaRunDir,
  kafkaRunning,
  portOpen,
  stopEmbeddedPostgres,
  startKafkaNode,
  stopKafka,
  stopKafkaNode,
} from './lib/infra.mjs';

async function up() {
  const kafka = await ensureKafka();
  const db = await ensureDatabase();
  console.log(`KAFKA_BROKERS=${kafka.brokers}`);
  console.log(`DATABASE_URL=${db.url}`);
}

async function down() {
  const kafka = await stopKafka();
  const pg = await stopEmbeddedPostgres();
  if (!kafka.stopped && !pg.stopped) console.error('[infra] nothing started by this script is running');
}

async function status() {
  const port = defaultKafkaPort();
  const pgPort = Number(process.env.PG_PORT) || 5432;
  const kafka = process.env.KAFKA_BROKERS ?? `127.0.0.1:${port}`;
  const kafkaUp = process.env.KAFKA_BROKERS ? 'set by KAFKA_BROKERS' : (await kafkaRunning(port)) ? 'running' : 'not running';
  const pgUp = process.env.DATABASE_URL ? 'set by DATABASE_URL' : (await portOpen(pgPort)) ? 'answering' : 'not answering';
  console.log(`kafka     ${kafka}: ${kafkaUp} (local data: ${kafkaRunDir(port)})`);
  console.log(`postgres  127.0.0.1:${pgPort}: ${pgUp}`);
}

/** Tests only: stop the local broker the hard way, as a crash would (`KAFKA_PORT` picks it). */
async function kill() {
  await killKafka();
}

/** Tests only: stop or start just the broker on `KAFKA_PORT`, keeping its data. */
async function kafkaDown() {
  await stopKafka();
}

async function kafkaUp() {
  console.log(`KAFKA_BROKERS=${(await ensureKafka()).brokers}`);
}

/**
 * Tests only: start a node from <dir>/server.properties written by the caller (the secured
 * broker of test/kafka-security), formatting its storage with the arguments after the folder
 * (e.g. --add-scram); the caller waits for it. KAFKA_VERSION picks the version.
 */
async function nodeStart() {
  const [dir, ...formatArgs] = process.argv.slice(3);
  const files = kafkaNodeFiles(dir);
  const { pid } = await startKafkaNode({ files, properties: fs.readFileSync(files.config, 'utf8'), formatArgs, label: dir });
  console.log(`KAFKA_PID=${pid}`);
}

async function nodeStop() {
  await stopKafkaNode({ files: kafkaNodeFiles(process.argv[3]) });
}

const commands = { up, down, status, kill, 'kafka-down': kafkaDown, 'kafka-up': kafkaUp, 'node-start': nodeStart, 'node-stop': nodeStop };
const command = commands[process.argv[2]];
if (!command) {
  console.error('usage: node scripts/infra.mjs up|down|status|kafka-up|kafka-down|kill|node-start <dir> [format args]|node-stop <dir>');
  process.exit(2);
}
try {
  await command();
} catch (err) {
  console.error(`[infra] ${err.message}`);
  process.exit(1);
}
