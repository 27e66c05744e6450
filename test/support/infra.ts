// Shared plumbing for end-to-end suites: each suite gets its own database and
// its own topic prefix, so suites run in any order and leave nothing behind.
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { kafkaSecurityEnv, loadConfig } from '@app/config';
import { kafkaClientSecurity } from '@app/messaging';
import { Client } from 'pg';

export const kafkaBrokers = (): string => process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';

export function baseDatabaseUrl(): string {
  return process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/lti_grading';
}

export const uniqueSuffix = (): string => randomBytes(4).toString('hex');

/**
 * A suite's fixed port, moved by TEST_PORT_OFFSET: `npm test` runs the end-to-end
 * suites on two Node.js releases at once, and the second run's brokers and
 * servers must not take the first one's ports.
 */
export const testPort = (base: number): number => base + Number(process.env.TEST_PORT_OFFSET ?? 0);

/** A suite's size or timeout: the variable when set (CI shrinks the long suites), else the acceptance default. */
export const envNumber = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);

/** A fresh, empty database for one suite; drop it with dropTestDatabase. */
export async function createTestDatabase(suite: string): Promise<string> {
  const name = `lti_test_${suite.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${uniqueSuffix()}`;
  const url = new URL(baseDatabaseUrl());
  await withAdmin(url, (client) => client.query(`CREATE DATABASE "${name}"`));
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropTestDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  await withAdmin(url, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

async function withAdmin<T>(url: URL, fn: (client: Client) => Promise<T>): Promise<T> {
  const admin = new URL(url.toString());
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A topic prefix of its own for a suite, e.g. `t-1a2b3c4d.`. */
export const testTopicPrefix = (): string => `t-${uniqueSuffix()}.`;

/** The KAFKA_SSL* and KAFKA_SASL* variables of an environment, to hand on to an app started with an explicit one. */
export function kafkaSecurityVariables(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => /^KAFKA_(SSL|SASL)/.test(e[0]) && e[1] !== undefined));
}

/** A client for a suite's own checks; TLS and SASL come from the same variables the apps read (`env`, default the process's). */
export function testKafka(brokers = kafkaBrokers(), env: NodeJS.ProcessEnv = process.env): Kafka {
  return new Kafka({ clientId: `test-${uniqueSuffix()}`, brokers: brokers.split(','), logLevel: logLevel.NOTHING, ...kafkaClientSecurity(loadConfig(kafkaSecurityEnv, env)) });
}

/** Reads a topic from the beginning until `count` distinct records arrived (or the timeout), then stops. */
export async function readTopic(kafka: Kafka, topic: string, count: number, timeoutMs = 30000): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: `reader-${uniqueSuffix()}` });
  const messages: KafkaMessage[] = [];
  // A rebalance of the reader's own group (a broker just restarted, say) hands a partition
  // back from its start; a record seen again is the same record, not one more.
  const seen = new Set<string>();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${messages.length} of ${count} records from ${topic} within ${timeoutMs} ms`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          const at = `${partition}:${message.offset}`;
          if (seen.has(at)) return;
          seen.add(at);
          messages.push(message);
          if (messages.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

/** Polls until `probe` returns a truthy value; fails with the last value seen. */
export async function eventually<T>(probe: () => Promise<T>, { timeoutMs = 30000, intervalMs = 200, what = 'condition' } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (last) return last as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`${what} not reached within ${timeoutMs} ms; last value: ${JSON.stringify(last)}${lastError ? `; last error: ${String(lastError)}` : ''}`);
}
