import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { exitOnConfigError, loadConfig } from '@app/config';
import { TOPICS } from '@app/contracts';
import { DEAD_LETTER_GROUP, SCORE_READY_DLQ } from './dead-letters/score-ready-dlq.consumer';
import { migrateAtStartup } from '@app/database';
import { createHttpApp } from '@app/http';
import { connectConsumer, TopicAdmin } from '@app/messaging';
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
  await migrateAtStartup(gradingDatabase(config), { run: config.MIGRATIONS_RUN, migrationsUrl: config.MIGRATIONS_URL });
  const app = await createHttpApp(GradingModule.forRoot(config), {
    name: 'grading',
    trustProxyHops: config.TRUST_PROXY_HOPS,
    docsEnabled: config.DOCS_ENABLED,
    swagger: { title: 'grading', description: 'Score ingest, ledger, delivery to LTIAAS, sync jobs', bearerAuth: true },
  });
  try {
    await app.get(TopicAdmin).ensure([TOPICS.scoreReady, TOPICS.scoreDelivered, TOPICS.launchCaptured, TOPICS.rosterRefreshed]);
  } catch (error) {
    // Topics are usually there already; a broker that is down now is waited out by the consumers.
    new Logger('grading').warn({ err: error }, 'could not make sure the Kafka topics exist');
  }
  // Group ids carry the topic prefix, as the vault's do: environments (and test suites) sharing a cluster never share a group.
  const session = { sessionTimeoutMs: config.CONSUMER_SESSION_TIMEOUT_MS, heartbeatIntervalMs: config.CONSUMER_HEARTBEAT_MS };
  connectConsumer(app, `${config.KAFKA_TOPIC_PREFIX}${GRADING_GROUPS.scores}`, [TOPICS.scoreReady], session);
  connectConsumer(app, `${config.KAFKA_TOPIC_PREFIX}${GRADING_GROUPS.launches}`, [TOPICS.launchCaptured], session);
  // The dead-letter topic has no contract: its records are stored as they are, whatever they hold.
  connectConsumer(app, `${config.KAFKA_TOPIC_PREFIX}${DEAD_LETTER_GROUP}`, [], { ...session, rawTopics: [SCORE_READY_DLQ] });
  return { app, port: config.GRADING_PORT, host: config.HOST };
}

async function main(): Promise<void> {
  const { app, port, host } = await createGradingApp();
  exitIfShutdownHangs(loadConfig(gradingEnv, process.env).SHUTDOWN_TIMEOUT_MS);
  // Serve first: HTTP ingest needs the producer and the database, not a finished rebalance. Joining
  // the consumer groups waits for the others to rejoin (after a crash, for the dead member's session),
  // and a replica that could take scores meanwhile must not look unready for it.
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => (stopping = true));
  await app.listen(port, host);
  app.startAllMicroservices().catch((error: unknown) => {
    if (stopping) return; // a shutdown that came while the groups were joining
    new Logger('grading').error({ err: error }, 'could not start the Kafka consumers');
    process.exit(1);
  });
}

if (require.main === module) main().catch(exitOnConfigError);
