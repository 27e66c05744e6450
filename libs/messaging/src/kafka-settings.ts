import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type pino from 'pino';
import type { InfrastructureEnv } from '@app/config';
import { kafkaClientSecurity, type KafkaClientSecurity } from './kafka-security';

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  /** Prefixed to every topic name; empty in production, per-suite in tests. */
  topicPrefix: string;
  partitions: number;
  replicationFactor: number;
  /** TLS and SASL; absent for a plaintext cluster (the local broker, most test suites). */
  security?: KafkaClientSecurity;
}

/** The Kafka variables of the validated environment, as every app and command-line tool reads them. */
export type KafkaEnv = Pick<
  InfrastructureEnv,
  | 'KAFKA_BROKERS'
  | 'KAFKA_TOPIC_PREFIX'
  | 'KAFKA_PARTITIONS'
  | 'KAFKA_REPLICATION_FACTOR'
  | 'KAFKA_SSL'
  | 'KAFKA_SSL_CA_FILE'
  | 'KAFKA_SSL_CERT_FILE'
  | 'KAFKA_SSL_KEY_FILE'
  | 'KAFKA_SASL_MECHANISM'
  | 'KAFKA_SASL_USERNAME'
  | 'KAFKA_SASL_PASSWORD'
  | 'KAFKA_SASL_PASSWORD_FILE'
>;

/** Settings for one client from the environment; throws a ConfigError naming the variable when the security ones do not fit together. */
export function kafkaSettings(clientId: string, env: KafkaEnv): KafkaSettings {
  return {
    brokers: env.KAFKA_BROKERS,
    clientId,
    topicPrefix: env.KAFKA_TOPIC_PREFIX,
    partitions: env.KAFKA_PARTITIONS,
    replicationFactor: env.KAFKA_REPLICATION_FACTOR,
    security: kafkaClientSecurity(env),
  };
}

export const topicName = (settings: Pick<KafkaSettings, 'topicPrefix'>, topic: string): string => `${settings.topicPrefix}${topic}`;

const PINO_LEVEL: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** A kafkajs client whose own logs go through our redacting logger. */
export function createKafka(settings: KafkaSettings, logger: pino.Logger): Kafka {
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    ssl: settings.security?.ssl,
    sasl: settings.security?.sasl,
    connectionTimeout: 3000,
    requestTimeout: 10000,
    // Bounded per operation (about a minute): past that the operation fails; consumers restart
    // after such a crash, and producers fall back (outbox) or answer 503.
    retry: { initialRetryTime: 300, maxRetryTime: 10000, retries: 10 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ namespace, level, log }: LogEntry) => {
        const { message, timestamp: _t, logger: _l, ...rest } = log;
        // Said at every start because our producers' retries are bounded on purpose (see EventPublisher);
        // exactly-once is not what they rely on (keys, versions and the outbox are), so it is noise.
        if (message === IDEMPOTENT_RETRIES_WARNING) return;
        kafkaLogger[PINO_LEVEL[level] ?? 'info']({ namespace, ...rest }, message);
      },
  });
}

const IDEMPOTENT_RETRIES_WARNING = 'Limiting retries for the idempotent producer may invalidate EoS guarantees';
