import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { SASLOptions } from 'kafkajs';
import { ConfigError, type KafkaSecurityEnv } from '@app/config';

/** What kafkajs needs to reach a secured cluster: TLS options and SASL credentials, or neither. */
export interface KafkaClientSecurity {
  ssl?: ConnectionOptions;
  sasl?: SASLOptions;
}

/**
 * The one place the Kafka security variables become a client config. Each
 * variable was checked on its own by libs/config; here is how they combine,
 * each misfit a ConfigError naming the variable to fix. Messages never hold a
 * password, only the names of the variables.
 */
export function kafkaClientSecurity(env: KafkaSecurityEnv): KafkaClientSecurity {
  return { ssl: tlsOptions(env), sasl: saslOptions(env) };
}

function tlsOptions(env: KafkaSecurityEnv): ConnectionOptions | undefined {
  const files = { KAFKA_SSL_CA_FILE: env.KAFKA_SSL_CA_FILE, KAFKA_SSL_CERT_FILE: env.KAFKA_SSL_CERT_FILE, KAFKA_SSL_KEY_FILE: env.KAFKA_SSL_KEY_FILE };
  if (!env.KAFKA_SSL) {
    const set = Object.entries(files).find(([, file]) => file !== undefined);
    // A certificate that is silently not used would look like TLS while sending in the clear.
    if (set) throw new ConfigError('KAFKA_SSL', `must be true when ${set[0]} is set`);
    return undefined;
  }
  if (files.KAFKA_SSL_CERT_FILE && !files.KAFKA_SSL_KEY_FILE) throw new ConfigError('KAFKA_SSL_KEY_FILE', 'is required with KAFKA_SSL_CERT_FILE (mutual TLS)');
  if (files.KAFKA_SSL_KEY_FILE && !files.KAFKA_SSL_CERT_FILE) throw new ConfigError('KAFKA_SSL_CERT_FILE', 'is required with KAFKA_SSL_KEY_FILE (mutual TLS)');
  // rejectUnauthorized is Node's default; written out because nothing here may ever turn it off.
  const options: ConnectionOptions = { rejectUnauthorized: true };
  if (files.KAFKA_SSL_CA_FILE) options.ca = certificates('KAFKA_SSL_CA_FILE', files.KAFKA_SSL_CA_FILE);
  if (files.KAFKA_SSL_CERT_FILE && files.KAFKA_SSL_KEY_FILE) {
    const cert = certificates('KAFKA_SSL_CERT_FILE', files.KAFKA_SSL_CERT_FILE);
    const key = readFileSync(files.KAFKA_SSL_KEY_FILE, 'utf8');
    let privateKey;
    try {
      privateKey = createPrivateKey(key);
    } catch {
      throw new ConfigError('KAFKA_SSL_KEY_FILE', 'is not a readable private key (an encrypted key is not supported)');
    }
    if (!new X509Certificate(cert[0]).checkPrivateKey(privateKey)) throw new ConfigError('KAFKA_SSL_KEY_FILE', 'does not belong to the certificate in KAFKA_SSL_CERT_FILE');
    options.cert = cert.join('\n');
    options.key = key;
  }
  return options;
}

/** Every certificate of a PEM bundle, each parsed once so that a damaged one is named at start-up. */
function certificates(variable: string, file: string): string[] {
  const blocks = readFileSync(file, 'utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new ConfigError(variable, `${file} holds no PEM certificate`);
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch {
      throw new ConfigError(variable, `${file} holds a certificate that does not parse`);
    }
  }
  return blocks;
}

function saslOptions(env: KafkaSecurityEnv): SASLOptions | undefined {
  const mechanism = env.KAFKA_SASL_MECHANISM;
  if (!mechanism) {
    const set = (['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD', 'KAFKA_SASL_PASSWORD_FILE'] as const).find((name) => env[name] !== undefined);
    if (set) throw new ConfigError('KAFKA_SASL_MECHANISM', `is required when ${set} is set (plain, scram-sha-256 or scram-sha-512)`);
    return undefined;
  }
  if (!env.KAFKA_SASL_USERNAME) throw new ConfigError('KAFKA_SASL_USERNAME', `is required with KAFKA_SASL_MECHANISM=${mechanism}`);
  // Both set is what the images' entrypoint makes of a NAME_FILE (deploy/docker/entrypoint.sh): fine when they agree.
  if (env.KAFKA_SASL_PASSWORD !== undefined && env.KAFKA_SASL_PASSWORD_FILE !== undefined && passwordFromFile(env.KAFKA_SASL_PASSWORD_FILE) !== env.KAFKA_SASL_PASSWORD) {
    throw new ConfigError('KAFKA_SASL_PASSWORD_FILE', 'holds another password than KAFKA_SASL_PASSWORD; keep one');
  }
  if (env.KAFKA_SASL_PASSWORD === undefined && env.KAFKA_SASL_PASSWORD_FILE === undefined) {
    throw new ConfigError('KAFKA_SASL_PASSWORD', `or KAFKA_SASL_PASSWORD_FILE is required with KAFKA_SASL_MECHANISM=${mechanism}`);
  }
  // PLAIN sends the password itself; SCRAM never does, so only PLAIN needs TLS under it.
  if (mechanism === 'plain' && !env.KAFKA_SSL) throw new ConfigError('KAFKA_SSL', 'must be true with KAFKA_SASL_MECHANISM=plain, which would send the password in the clear');
  const password = env.KAFKA_SASL_PASSWORD ?? passwordFromFile(env.KAFKA_SASL_PASSWORD_FILE!);
  const username = env.KAFKA_SASL_USERNAME;
  switch (mechanism) {
    case 'plain':
      return { mechanism, username, password };
    case 'scram-sha-256':
      return { mechanism, username, password };
    case 'scram-sha-512':
      return { mechanism, username, password };
  }
}

function passwordFromFile(file: string): string {
  // A mounted secret usually ends with a newline that is not part of the password (the entrypoint's `$(cat)` drops them all).
  const password = readFileSync(file, 'utf8').replace(/(\r?\n)+$/, '');
  if (!password) throw new ConfigError('KAFKA_SASL_PASSWORD_FILE', `${file} is empty`);
  return password;
}
