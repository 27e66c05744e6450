import { z } from 'zod';

export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

export const httpUrl = z
  .string()
  .url()
  .refine((value) => /^https?:\/\//.test(value), 'must be an http(s) URL');

export const postgresUrl = z
  .string()
  .refine((value) => /^postgres(ql)?:\/\//.test(value), 'must be a postgres:// URL');

/** Comma-separated host:port list. */
export const brokerList = z
  .string()
  .transform((value) => value.split(',').map((broker) => broker.trim()).filter(Boolean))
  .refine((brokers) => brokers.length > 0 && brokers.every((b) => /^[^:\s]+:\d+$/.test(b)), 'must be host:port[,host:port...]');

export const booleanFlag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1');

export const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** The settings every app that talks to PostgreSQL and Kafka shares. */
export const infrastructureEnv = z.object({
  DATABASE_URL: postgresUrl.default('postgres://postgres@127.0.0.1:5432/lti_grading'),
  KAFKA_BROKERS: brokerList.default(['127.0.0.1:9092']),
  // Lets test suites (or several environments on one cluster) keep their topics apart.
  KAFKA_TOPIC_PREFIX: z.string().regex(/^[a-zA-Z0-9._-]*$/).default(''),
  KAFKA_PARTITIONS: positiveInt(6),
  KAFKA_REPLICATION_FACTOR: positiveInt(1),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().default('0.0.0.0'),
  // How many proxies in front of the app may set X-Forwarded-For; 0 trusts none,
  // so a client cannot pick its own address (the vault rate-limits by address).
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  MIGRATIONS_RUN: booleanFlag(true),
});
export type InfrastructureEnv = z.infer<typeof infrastructureEnv>;
