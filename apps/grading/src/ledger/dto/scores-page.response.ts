import { z } from 'zod';
import { lineItemSelector } from '@app/contracts';
import { SCORE_STATUSES } from '../score-status';

// The answer of GET /v1/scores, for the OpenAPI document (ScoreView is what the code returns).
const attempt = z.object({
  at: z.string(),
  version: z.number().int(),
  timestamp: z.string(),
  outcome: z.string(),
  statusCode: z.number().int().nullable(),
  message: z.string().nullable(),
  lineItemId: z.string().nullable(),
});

export const scoreView = z.object({
  id: z.string(),
  platformId: z.string(),
  contextId: z.string(),
  resourceLinkId: z.string(),
  userId: z.string(),
  lineItem: lineItemSelector.nullable(),
  lineItemId: z.string().nullable(),
  score: z.object({
    scoreGiven: z.number().nullable(),
    scoreMaximum: z.number().nullable(),
    activityProgress: z.string(),
    gradingProgress: z.string(),
    comment: z.string().nullable(),
    timestamp: z.string(),
  }),
  eventId: z.string(),
  version: z.number().int(),
  status: z.enum(SCORE_STATUSES),
  inFlight: z.boolean().describe('true while a delivery of this row is in flight'),
  dueAt: z.string().nullable(),
  attempts: z.number().int(),
  lastAttemptAt: z.string().nullable(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  delivered: z.object({ version: z.number().int(), timestamp: z.string(), at: z.string() }).nullable(),
  receivedAt: z.string(),
  history: z.array(attempt).describe('the most recent attempts, newest first'),
});

export const scoresPage = z.object({ scores: z.array(scoreView), next: z.string().optional().describe('cursor for `after` on the next page') });
