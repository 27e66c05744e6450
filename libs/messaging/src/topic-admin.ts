import type { Admin, Kafka } from 'kafkajs';
import { deadLetterTopic } from '@app/contracts';
import { withTimeout } from './event-publisher';
import { kafkaRefusal, KafkaRefusedError, refusalHeadline, type KafkaRefusals } from './kafka-refusal';
import { topicName, type KafkaSettings } from './kafka-settings';

/** Creates the given topics and their dead-letter topics when missing. */
export async function ensureTopics(kafka: Kafka, settings: KafkaSettings, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const wanted = topics.flatMap((t) => [t, deadLetterTopic(t)]).map((t) => topicName(settings, t));
    const missing = wanted.filter((t) => !existing.has(t));
    if (missing.length) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({ topic, numPartitions: settings.partitions, replicationFactor: settings.replicationFactor })),
      });
    }
  } finally {
    await admin.disconnect();
  }
}

/** What an app asks of the cluster's admin API: its topics, created when missing. */
export class TopicAdmin {
  constructor(
    private readonly kafka: Kafka,
    private readonly settings: KafkaSettings,
  ) {}

  /** Creates the given topics and their dead-letter topics when missing, as the settings say (prefix, partitions, replication). */
  ensure(topics: readonly string[]): Promise<void> {
    return ensureTopics(this.kafka, this.settings, [...topics]);
  }
}

/**
 * Answers whether the cluster responds to a metadata request, and whether it
 * refuses any of this app's clients, for readiness probes.
 */
export class KafkaProbe {
  private admin?: Admin;

  constructor(
    private readonly kafka: Kafka,
    private readonly refusals?: KafkaRefusals,
  ) {}

  async check(timeoutMs = 2000): Promise<void> {
    try {
      // No retries: a refused login or an untrusted certificate must come back as itself, not as a timeout.
      this.admin ??= this.kafka.admin({ retry: { retries: 0 } });
      await withTimeout(
        this.admin.connect().then(() => this.admin!.describeCluster()),
        timeoutMs,
        () => new Error(`no answer from Kafka within ${timeoutMs} ms`),
      );
    } catch (error) {
      // A fresh admin next time: kafkajs may keep a dead connection otherwise.
      const stale = this.admin;
      this.admin = undefined;
      void stale?.disconnect().catch(() => undefined);
      const refusal = kafkaRefusal(error);
      throw refusal ? new KafkaRefusedError(refusalHeadline(refusal), refusal) : error;
    }
    const refused = this.refusals?.all() ?? [];
    if (refused.length) {
      throw new KafkaRefusedError(
        refused.map((r) => `${r.source}: ${refusalHeadline(r.reason)}`).join('; '),
        refused.map((r) => `${r.source}: ${r.reason}`).join('; '),
      );
    }
  }

  async close(): Promise<void> {
    await this.admin?.disconnect().catch(() => undefined);
  }
}
