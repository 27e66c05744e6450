import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { exitOnConfigError, loadConfig } from '@app/config';
import { TOPICS } from '@app/contracts';
import { prepareDatabase } from '@app/database';
import { createHttpApp } from '@app/http';
import { connectConsumer, ensureTopics, KAFKA_LOGGER, KAFKA_SETTINGS, withTimeout, type KafkaSettings } from '@app/messaging';
import { Kafka } from 'kafkajs';
import type pino from 'pino';
import { vaultEnv } from './vault.config';
import { vaultDatabase } from './vault.database';
import { VaultModule } from './vault.module';

/** Builds the vault from an environment; tests call this in-process, main() from the shell. */
export async function createVaultApp(env: NodeJS.ProcessEnv = process.env): Promise<{ app: NestFastifyApplication; port: number; host: string }> {
  const config = loadConfig(vaultEnv, env);
  if (config.MIGRATIONS_RUN) await prepareDatabase(vaultDatabase(config));
  const app = await createHttpApp(VaultModule.forRoot(config), {
    name: 'credential-vault',
    trustProxyHops: config.TRUST_PROXY_HOPS,
    swagger: { title: 'credential-vault', description: 'Service keys (encrypted), API keys and short-lived tokens', bearerAuth: true },
  });
  await ensureLaunchTopics(app);
  // Namespaced like the topics, so environments (and test suites) sharing a cluster never share a group.
  connectConsumer(app, `${config.KAFKA_TOPIC_PREFIX}credential-vault`, [TOPICS.launchCaptured]);
  return { app, port: config.VAULT_PORT, host: config.HOST };
}

/** Creates lti.launch-captured.v1 and its dead-letter topic when missing; a broker outage must not keep the HTTP API down. */
async function ensureLaunchTopics(app: NestFastifyApplication): Promise<void> {
  const settings = app.get<KafkaSettings>(KAFKA_SETTINGS);
  await withTimeout(ensureTopics(app.get(Kafka), settings, [TOPICS.launchCaptured]), 15_000, () => new Error('Kafka did not answer within 15 s')).catch((error: unknown) =>
    app.get<pino.Logger>(KAFKA_LOGGER).warn({ err: error }, 'could not ensure the LaunchCaptured topics; the consumer creates or waits for them'),
  );
}

async function main(): Promise<void> {
  const { app, port, host } = await createVaultApp();
  await app.startAllMicroservices();
  await app.listen(port, host);
}

if (require.main === module) main().catch(exitOnConfigError);
