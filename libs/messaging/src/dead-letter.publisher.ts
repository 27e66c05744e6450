import type { IHeaders, KafkaMessage } from 'kafkajs';
import { deadLetterTopic, DLQ_HEADERS } from '@app/contracts';
import type { EventPublisher } from './event-publisher';

export interface DeadLetter {
  topic: string;
  partition: number;
  message: Pick<KafkaMessage, 'key' | 'value' | 'headers' | 'offset'>;
  reason: string;
  attempts: number;
  firstFailureAt: Date;
}

/** Sends the original record, untouched, to `<topic>.dlq` with why and where it came from in headers. */
export class DeadLetterPublisher {
  constructor(private readonly publisher: EventPublisher) {}

  async send(letters: DeadLetter[]): Promise<void> {
    const byTopic = new Map<string, DeadLetter[]>();
    for (const letter of letters) byTopic.set(letter.topic, [...(byTopic.get(letter.topic) ?? []), letter]);
    for (const [topic, group] of byTopic) {
      await this.publisher.publish(
        deadLetterTopic(topic),
        group.map((l) => ({
          key: l.message.key?.toString() ?? '',
          value: l.message.value?.toString() ?? '',
          headers: {
            ...copyHeaders(l.message.headers),
            [DLQ_HEADERS.originalTopic]: topic,
            [DLQ_HEADERS.originalPartition]: String(l.partition),
            [DLQ_HEADERS.originalOffset]: l.message.offset,
            [DLQ_HEADERS.error]: l.reason.slice(0, 4000),
            [DLQ_HEADERS.attempts]: String(l.attempts),
            [DLQ_HEADERS.firstFailureAt]: l.firstFailureAt.toISOString(),
          },
        })),
      );
    }
  }
}

function copyHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.map(String).join(',') : String(value);
  }
  return out;
}
