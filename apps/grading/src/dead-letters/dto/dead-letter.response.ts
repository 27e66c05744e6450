import { z } from 'zod';

// The answers of the dead-letter endpoints, for the OpenAPI document (DeadLetterView is what the code returns).
export const deadLetterView = z.object({
  id: z.string(),
  kind: z.enum(['delivery', 'ingest']),
  createdAt: z.string(),
  reason: z.string(),
  statusCode: z.number().int().nullable(),
  scoreId: z.string().nullable(),
  version: z.number().int().nullable(),
  platformId: z.string().nullable(),
  contextId: z.string().nullable(),
  resourceLinkId: z.string().nullable(),
  userId: z.string().nullable(),
  lineItemId: z.string().nullable(),
  payload: z.unknown().describe('the score as it was to be sent (delivery), or the record\'s JSON value (ingest)'),
  raw: z.string().nullable().describe('an ingest record that was not JSON, as text'),
  source: z.object({ topic: z.string(), partition: z.number().int(), offset: z.string() }).nullable(),
  retriedAt: z.string().nullable(),
});

export const deadLettersPage = z.object({ deadLetters: z.array(deadLetterView), next: z.string().optional() });

export const deadLetterRetried = z.object({ id: z.string(), status: z.enum(['retried', 'superseded']) });
