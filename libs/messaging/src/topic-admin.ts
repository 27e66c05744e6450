import type { Admin, Kafka } from 'kafkajs';
import { deadLetterTopic } from '@app/contracts';
import { withTimeout } from './event-publisher';
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

/** Answers whether the cluster responds to a metadata request, for readiness probes. */
export class KafkaProbe {
  private admin?: Admin;

  constructor(private readonly kafka: Kafka) {}

  async check(timeoutMs = 2000): Promise<void> {
    try {
      this.admin ??= this.kafka.admin();
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
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.admin?.disconnect().catch(() => undefined);
  }
}
