import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Kafka } from 'kafkajs';
import { exitOnConfigError, loadConfig } from '@app/config';
import { TOPICS } from '@app/contracts';
import { prepareDatabase } from '@app/database';
import { createHttpApp } from '@app/http';
import { connectConsumer, ensureTopics, KAFKA_SETTINGS, type KafkaSettings } from '@app/messaging';
import { gradingEnv } from './grading.config';
import { gradingDatabase } from './grading.database';
import { exitIfShutdownHangs } from './jobs/shutdown-deadline';
import { GradingModule } from './grading.module';

/**
 * Consumer groups of grading; each reads its topics at its own pace. Like
 * topics they carry KAFKA_TOPIC_PREFIX, so environments (or test suites)
 * sharing a cluster never join each other's groups.
 */
export const GRADING_GROUPS = { scores: 'grading', launches: 'grading-launches' } as const;

/** Builds grading from an environment; tests call this in-process, main() from the shell. */
export async function createGradingApp(env: NodeJS.ProcessEnv = process.env): Promise<{ app: NestFastifyApplication; port: number; host: string }> {
  const config = loadConfig(gradingEnv, env);
  if (config.MIGRATIONS_RUN) await prepareDatabase(gradingDatabase(config));
  const app = await createHttpApp(GradingModule.forRoot(config), {
    name: 'grading',
    trustProxyHops: config.TRUST_PROXY_HOPS,
    swagger: { title: 'grading', description: 'Score ingest, ledger, delivery to LTIAAS, sync jobs', bearerAuth: true },
  });
  try {
    await ensureTopics(app.get(Kafka), app.get<KafkaSettings>(KAFKA_SETTINGS), [TOPICS.scoreReady, TOPICS.scoreDelivered, TOPICS.launchCaptured, TOPICS.rosterRefreshed]);
  } catch (error) {
    // Topics are usually there already; a broker that is down now is waited out by the consumers.
    new Logger('grading').warn({ err: error }, 'could not make sure the Kafka topics exist');
  }
  // Group ids carry the topic prefix, as the vault's do: environments (and test suites) sharing a cluster never share a group.
  connectConsumer(app, `${config.KAFKA_TOPIC_PREFIX}${GRADING_GROUPS.scores}`, [TOPICS.scoreReady]);
  connectConsumer(app, `${config.KAFKA_TOPIC_PREFIX}${GRADING_GROUPS.launches}`, [TOPICS.launchCaptured]);
  return { app, port: config.GRADING_PORT, host: config.HOST };
}

async function main(): Promise<void> {
  const { app, port, host } = await createGradingApp();
  exitIfShutdownHangs(loadConfig(gradingEnv, process.env).SHUTDOWN_TIMEOUT_MS);
  await app.startAllMicroservices();
  await app.listen(port, host);
}

if (require.main === module) main().catch(exitOnConfigError);
