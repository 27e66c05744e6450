import { z } from 'zod';
import { contextTriple } from '../context';
import { cloudEvent } from '../envelope';

/** The outcome of a delivery, so graders can learn whether their score landed. */
export const scoreOutcomeData = contextTriple
  .extend({
    scoreId: z.string(),
    userId: z.string(),
    lineItemId: z.string().optional(),
    timestamp: z.string(),
    outcome: z.enum(['delivered', 'superseded', 'failed']),
    attempts: z.number().int().nonnegative(),
    statusCode: z.number().int().optional(),
    reason: z.string().max(4000).optional(),
    /** The ScoreReady event this outcome answers (the value sent), and that event's correlation id. */
    eventId: z.string().optional(),
    correlationId: z.string().optional(),
  })
  .strict();
export type ScoreOutcomeData = z.infer<typeof scoreOutcomeData>;

export const SCORE_DELIVERED_V1 = 'com.ltigrading.score.delivered.v1';
export const SCORE_FAILED_V1 = 'com.ltigrading.score.failed.v1';
export const scoreDeliveredEvent = cloudEvent(SCORE_DELIVERED_V1, scoreOutcomeData);
export const scoreFailedEvent = cloudEvent(SCORE_FAILED_V1, scoreOutcomeData);
export type ScoreDeliveredEvent = z.infer<typeof scoreDeliveredEvent>;
export type ScoreFailedEvent = z.infer<typeof scoreFailedEvent>;
export const scoreOutcomeEvent = z.union([scoreDeliveredEvent, scoreFailedEvent]);
export type ScoreOutcomeEvent = z.infer<typeof scoreOutcomeEvent>;
