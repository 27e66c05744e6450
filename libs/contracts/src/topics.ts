import type { z } from 'zod';
import { launchCapturedEvent } from './events/launch-captured.v1';
import { rosterRefreshedEvent } from './events/roster-refreshed.v1';
import { scoreOutcomeEvent } from './events/score-delivered.v1';
import { scoreReadyEvent } from './events/score-ready.v1';

/** Every topic in one place; the version is in the name, a new version is a new topic. */
export const TOPICS = {
  launchCaptured: 'lti.launch-captured.v1',
  scoreReady: 'grading.score-ready.v1',
  scoreDelivered: 'grading.score-delivered.v1',
  rosterRefreshed: 'grading.roster-refreshed.v1',
} as const;
export type Topic = (typeof TOPICS)[keyof typeof TOPICS];

/** The schema every record on a topic must pass before a handler sees it. */
export const TOPIC_SCHEMAS: Record<Topic, z.ZodType> = {
  [TOPICS.launchCaptured]: launchCapturedEvent,
  [TOPICS.scoreReady]: scoreReadyEvent,
  [TOPICS.scoreDelivered]: scoreOutcomeEvent,
  [TOPICS.rosterRefreshed]: rosterRefreshedEvent,
};

export const deadLetterTopic = (topic: string): string => `${topic}.dlq`;

/** Dead-letter record headers: the original coordinates and why it was set aside. */
export const DLQ_HEADERS = {
  originalTopic: 'dlq-original-topic',
  originalPartition: 'dlq-original-partition',
  originalOffset: 'dlq-original-offset',
  error: 'dlq-error',
  attempts: 'dlq-attempts',
  firstFailureAt: 'dlq-first-failure-at',
} as const;
