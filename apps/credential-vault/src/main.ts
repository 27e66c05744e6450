import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { exitOnConfigError, loadConfig } from '@app/config';
import { TOPICS } from '@app/contracts';
import { dataSourceOptions, migrateAtStartup } from '@app/database';
import { createHttpApp } from '@app/http';
import { connectConsumer, KAFKA_LOGGER, TopicAdmin, withTimeout } from '@app/messaging';
import type pino from 'pino';
import { DataSource } from 'typeorm';
import { ApiKeyRewrapTarget } from './api-keys/api-key.rewrap-target';
import { ApiKeyPepper } from './crypto/api-key-pepper';
import { EnvelopeCipher } from './crypto/envelope-cipher';
import { LocalKeyring } from './crypto/local-keyring';
import { KeyedApiKeyHashesAndPlatforms1764950000000 } from './migrations/1764950000000-keyed-api-key-hashes-and-platforms';
import { vaultEnv, type VaultConfig } from './vault.config';
import { vaultDatabase } from './vault.database';
import { VaultModule } from './vault.module';

/** Builds the vault from an environment; tests call this in-process, main() from the shell. */
export async function createVaultApp(env: NodeJS.ProcessEnv = process.env): Promise<{ app: NestFastifyApplication; port: number; host: string }> {
  const config = loadConfig(vaultEnv, env);
  const applied = await migrateAtStartup(vaultDatabase(config), { run: config.MIGRATIONS_RUN, migrationsUrl: config.MIGRATIONS_URL });
  if (applied.includes(KeyedApiKeyHashesAndPlatforms1764950000000.name)) await pepperLegacyKeyHashes(config);
  const app = await createHttpApp(VaultModule.forRoot(config), {
    name: 'credential-vault',
    trustProxyHops: config.TRUST_PROXY_HOPS,
    docsEnabled: config.DOCS_ENABLED,
    swagger: { title: 'credential-vault', description: 'Service keys (encrypted), API keys and short-lived tokens', bearerAuth: true },
  });
  await ensureLaunchTopics(app);
  // Namespaced like the topics, so environments (and test suites) sharing a cluster never share a group.
  connectConsumer(app, `${config.KAFKA_TOPIC_PREFIX}credential-vault`, [TOPICS.launchCaptured]);
  return { app, port: config.VAULT_PORT, host: config.HOST };
}

/**
 * Right after this process applied the keyed-hash migration, and only then,
 * peppers the API key hashes stored before it (as `npm run rewrap` would),
 * so existing keys keep working across the upgrade. Tied to the migration
 * being applied here, it cannot be triggered again by writing to a table.
 */
async function pepperLegacyKeyHashes(config: VaultConfig): Promise<void> {
  const logger = new Logger('KeyedApiKeyHashes');
  const dataSource = new DataSource(dataSourceOptions({ ...vaultDatabase(config), poolSize: 2 }));
  await dataSource.initialize();
  try {
    const cipher = new EnvelopeCipher(new LocalKeyring(config.VAULT_MASTER_KEYS));
    const target = new ApiKeyRewrapTarget(dataSource, new ApiKeyPepper(config.VAULT_MASTER_KEYS));
    let after: string | undefined;
    do {
      const batch = await target.rewrapBatch(cipher, 500, after, 'migration:keyed-api-key-hashes');
      for (const f of batch.failed) logger.error({ apiKey: f.id, reason: f.reason }, 'API key hash could not be peppered; that key is refused');
      after = batch.next;
    } while (after);
  } finally {
    await dataSource.destroy();
  }
}

/** Creates lti.launch-captured.v1 and its dead-letter topic when missing; a broker outage must not keep the HTTP API down. */
async function ensureLaunchTopics(app: NestFastifyApplication): Promise<void> {
  await withTimeout(app.get(TopicAdmin).ensure([TOPICS.launchCaptured]), 15_000, () => new Error('Kafka did not answer within 15 s')).catch((error: unknown) =>
    app.get<pino.Logger>(KAFKA_LOGGER).warn({ err: error }, 'could not ensure the LaunchCaptured topics; the consumer creates or waits for them'),
  );
}

async function main(): Promise<void> {
  const { app, port, host } = await createVaultApp();
  await app.startAllMicroservices();
  await app.listen(port, host);
}

if (require.main === module) main().catch(exitOnConfigError);
