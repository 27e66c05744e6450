import { Injectable, Logger } from '@nestjs/common';
import { contextKey, envelope, EVENT_SOURCES, SCORE_READY_V1, TOPICS, type ScoreReadyData } from '@app/contracts';
import { DomainError } from '@app/http';
import { EventPublisher } from '@app/messaging';

const PUBLISH_TIMEOUT_MS = 5_000;
const RETRY_AFTER_SECONDS = 5;

export interface ScoreSubmission {
  data: ScoreReadyData;
  /** From the caller's Idempotency-Key: the event id, so a retried request is a no-op. */
  eventId?: string;
}

/**
 * HTTP ingest: a validated score is published to `grading.score-ready.v1`
 * (acks=all) exactly as a grader publishing to Kafka would, and the caller
 * hears 202 only once it is on the broker. The ledger is then written by the
 * one consumer path, so HTTP and Kafka scores are ordered and deduplicated
 * alike.
 */
@Injectable()
export class ScoreIngestService {
  private readonly logger = new Logger(ScoreIngestService.name);

  constructor(private readonly publisher: EventPublisher) {}

  /** `submittedBy`: the handle of the API key that submitted the scores, recorded with each event. */
  async submit(submissions: ScoreSubmission[], correlationId?: string, submittedBy?: string): Promise<string[]> {
    const events = submissions.map((s) => envelope(SCORE_READY_V1, EVENT_SOURCES.gradingHttpIngest, s.data, { id: s.eventId, correlationId, submittedBy }));
    try {
      await this.publisher.publish(
        TOPICS.scoreReady,
        events.map((event) => ({ key: contextKey(event.data), value: event })),
        { timeoutMs: PUBLISH_TIMEOUT_MS },
      );
    } catch (error) {
      this.logger.warn({ err: error, scores: events.length }, 'could not publish scores; answering 503');
      throw new DomainError('unavailable', 'scores cannot be accepted right now (the event log is unavailable); retry later', RETRY_AFTER_SECONDS);
    }
    return events.map((e) => e.id);
  }
}
