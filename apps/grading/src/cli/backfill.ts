// npm run backfill -- --file scores.ndjson [--dry-run] [--skip-invalid] [--grading-url URL --api-key KEY]
// (node dist/apps/grading/src/cli/backfill.js): streams a file of corrected
// scores into grading. See BACKFILL_USAGE for the options.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import pino from 'pino';
import { TokenSource } from '@app/auth';
import { ConfigError, infrastructureEnv, kafkaSecurityEnv, loadConfig } from '@app/config';
import { kafkaSettings, type KafkaSettings } from '@app/messaging';
import { pinoOptions } from '@app/observability';
import { BACKFILL_USAGE, parseBackfillArgs, UsageError, type BackfillOptions } from './backfill-options';
import { BackfillRunner, EXIT_CODES, type BackfillReporter } from './backfill.runner';
import { HttpScoreSink } from './http-score.sink';
import { KafkaScoreSink } from './kafka-score.sink';
import { terminalProgress } from './progress';
import type { ScoreSink } from './score-sink';

export const backfillEnv = infrastructureEnv
  .pick({ KAFKA_BROKERS: true, KAFKA_TOPIC_PREFIX: true, KAFKA_PARTITIONS: true, KAFKA_REPLICATION_FACTOR: true })
  .extend({
    ...kafkaSecurityEnv.shape,
    // Quieter than the services: the operator watches the bar and the problem lines.
    LOG_LEVEL: infrastructureEnv.shape.LOG_LEVEL.unwrap().default('warn'),
  });

const EXIT_USAGE = 2;
const EXIT_CONFIG = 78;

/** Problems with single lines go to stderr, one line each, as they are found. */
export function streamReporter(stream: NodeJS.WritableStream): BackfillReporter {
  return {
    invalidLine: (lineNumber, reason) => stream.write(`line ${lineNumber}: invalid: ${reason}\n`),
    failedRecord: ({ lineNumber, reason }) => stream.write(`line ${lineNumber}: refused: ${reason}\n`),
  };
}

/** Runs one backfill and resolves with the exit code; the summary is the only thing on stdout. */
export async function backfill(argv: string[], env: NodeJS.ProcessEnv = process.env, signal?: AbortSignal): Promise<number> {
  let options: BackfillOptions | 'help';
  let config: ReturnType<typeof loadConfig<typeof backfillEnv>>;
  let settings: KafkaSettings;
  try {
    options = parseBackfillArgs(argv, env);
    if (options === 'help') {
      process.stdout.write(`${BACKFILL_USAGE}\n`);
      return 0;
    }
    config = loadConfig(backfillEnv, env);
    settings = kafkaSettings('grading-backfill', config);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`backfill: ${error.message}\nRun with --help for the options.\n`);
      return EXIT_USAGE;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return EXIT_CONFIG;
    }
    throw error;
  }

  const logger = pino(pinoOptions({ app: 'grading-backfill', level: config.LOG_LEVEL }), pino.destination({ fd: 2, sync: true }));
  const target = options.target;
  const openSink = async ({ sha256 }: { sha256: string }): Promise<ScoreSink> =>
    target.kind === 'http'
      ? new HttpScoreSink({
          gradingUrl: target.gradingUrl,
          tokens: new TokenSource({ vaultUrl: target.vaultUrl, apiKey: target.apiKey }),
          concurrency: Math.min(options.batchSize, 16),
        })
      : KafkaScoreSink.open(settings, logger, sha256);

  const unreadable = await checkReadableFile(options.file);
  if (unreadable) {
    process.stderr.write(`backfill: ${unreadable}\n`);
    return EXIT_USAGE;
  }
  const runner = new BackfillRunner({ openSink, reporter: streamReporter(process.stderr), progress: terminalProgress(process.stderr), signal });
  const summary = await runner.run({ file: options.file, dryRun: options.dryRun, skipInvalid: options.skipInvalid, batchSize: options.batchSize });
  if (summary.error) logger.error({ status: summary.status, published: summary.published }, summary.error);
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  return EXIT_CODES[summary.status];
}

/** Why the file cannot be backfilled, or undefined. It is read twice, so it must be a regular file. */
async function checkReadableFile(file: string): Promise<string | undefined> {
  try {
    const stats = await stat(file);
    if (!stats.isFile()) return `${file} is not a regular file (it is read twice: to validate, then to publish)`;
    await access(file, constants.R_OK);
    return undefined;
  } catch (error) {
    return `cannot read ${file}: ${(error as Error).message}`;
  }
}

async function main(): Promise<void> {
  // The partitioner notice is for code written against kafkajs 1.x; an operator can do nothing with it.
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
  const controller = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('\nbackfill: stopping after the batch in flight (Ctrl-C again to quit at once)\n');
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  process.exitCode = await backfill(process.argv.slice(2), process.env, controller.signal);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`backfill: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  });
}
