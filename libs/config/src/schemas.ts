import { accessSync, constants, readFileSync, statSync } from 'node:fs';
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

/** A path to a regular file this process can read (a mounted secret, a certificate). */
export const readableFile = z.string().min(1).superRefine((file, ctx) => {
  try {
    if (!statSync(file).isFile()) ctx.addIssue({ code: 'custom', message: `${file} is not a file` });
    else accessSync(file, constants.R_OK);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})` });
  }
});

/** A readable PEM file holding at least one block of that kind (`CERTIFICATE`, or any `PRIVATE KEY`). */
export const pemFile = (kind: 'CERTIFICATE' | 'PRIVATE KEY') =>
  readableFile.superRefine((file, ctx) => {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return; // readableFile said why
    }
    const block = kind === 'CERTIFICATE' ? /-----BEGIN CERTIFICATE-----/ : /-----BEGIN ([A-Z]+ )?PRIVATE KEY-----/;
    if (!block.test(text)) ctx.addIssue({ code: 'custom', message: `${file} is not PEM with a ${kind} block` });
  });

/** An optional variable for which an empty value (`NAME=` in compose or a manifest) means unset. */
const optionalVariable = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

/**
 * TLS and SASL to the brokers, each variable checked on its own here; how they
 * combine (SASL needs a username and one password source, a certificate needs
 * its key) is checked where the client config is built, kafkaClientSecurity in
 * libs/messaging, which every Kafka client goes through. Certificate
 * verification has no switch: it is always on.
 */
export const kafkaSecurityEnv = z.object({
  KAFKA_SSL: booleanFlag(false),
  /** PEM bundle of the CAs that signed the brokers' certificates; default: the system's CAs. */
  KAFKA_SSL_CA_FILE: optionalVariable(pemFile('CERTIFICATE')),
  /** Client certificate (PEM) and its key, for mutual TLS. */
  KAFKA_SSL_CERT_FILE: optionalVariable(pemFile('CERTIFICATE')),
  KAFKA_SSL_KEY_FILE: optionalVariable(pemFile('PRIVATE KEY')),
  /** Unset: no SASL. */
  KAFKA_SASL_MECHANISM: optionalVariable(z.enum(['plain', 'scram-sha-256', 'scram-sha-512'])),
  KAFKA_SASL_USERNAME: optionalVariable(z.string().min(1)),
  KAFKA_SASL_PASSWORD: optionalVariable(z.string().min(1)),
  /** A file holding the password (a mounted secret); its trailing newline is not part of it. */
  KAFKA_SASL_PASSWORD_FILE: optionalVariable(readableFile),
});
export type KafkaSecurityEnv = z.infer<typeof kafkaSecurityEnv>;

/** The settings every app that talks to PostgreSQL and Kafka shares. */
export const infrastructureEnv = z.object({
  DATABASE_URL: postgresUrl.default('postgres://postgres@127.0.0.1:5432/lti_grading'),
  KAFKA_BROKERS: brokerList.default(['127.0.0.1:9092']),
  // Lets test suites (or several environments on one cluster) keep their topics apart.
  KAFKA_TOPIC_PREFIX: z.string().regex(/^[a-zA-Z0-9._-]*$/).default(''),
  KAFKA_PARTITIONS: positiveInt(6),
  KAFKA_REPLICATION_FACTOR: positiveInt(1),
  ...kafkaSecurityEnv.shape,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().default('0.0.0.0'),
  // How many proxies in front of the app may set X-Forwarded-For; 0 trusts none,
  // so a client cannot pick its own address (the vault rate-limits by address).
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  // Whether boot may apply missing migrations; with false, an app whose schema lacks one refuses to start.
  MIGRATIONS_RUN: booleanFlag(true),
  // The migration role's login, used only to apply missing migrations at boot; DATABASE_URL is
  // then the app's runtime role, which may not run DDL (see README, "Database roles").
  MIGRATIONS_URL: postgresUrl.optional(),
  // OpenAPI at /docs; off unless asked for, so production does not map its API for strangers.
  DOCS_ENABLED: booleanFlag(false),
});
export type InfrastructureEnv = z.infer<typeof infrastructureEnv>;
