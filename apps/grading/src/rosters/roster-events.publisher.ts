import { Injectable } from '@nestjs/common';
import { envelope, EVENT_SOURCES, ROSTER_REFRESHED_V1, TOPICS, type RosterRefreshedData } from '@app/contracts';
import { EventPublisher } from '@app/messaging';
import type { RosterEvents } from './ports';

const PUBLISH_TIMEOUT_MS = 10_000;

/** RosterRefreshed on Kafka, keyed by course so one course's refreshes stay in order. */
@Injectable()
export class KafkaRosterEvents implements RosterEvents {
  constructor(private readonly publisher: EventPublisher) {}

  async refreshed(data: RosterRefreshedData, correlationId: string): Promise<void> {
    const event = envelope(ROSTER_REFRESHED_V1, EVENT_SOURCES.gradingRosters, data, { correlationId, subject: `${data.platformId}/${data.contextId}` });
    await this.publisher.publish(TOPICS.rosterRefreshed, [{ key: JSON.stringify([data.platformId, data.contextId]), value: event }], { timeoutMs: PUBLISH_TIMEOUT_MS });
  }
}
