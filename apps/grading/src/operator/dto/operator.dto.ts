import { z } from 'zod';
import { SCORE_STATES } from '../score-state';

export const learnerQuery = z.strictObject({
  /** A user id as the LMS names it, or an email a roster knows. */
  q: z.string().trim().min(1, 'must name a user id or an email').max(320),
});
export type LearnerQuery = z.infer<typeof learnerQuery>;

const isoTime = z.string().describe('ISO 8601 time');

const check = z.looseObject({ ok: z.boolean(), reason: z.string().optional() });

const runSummary = z.object({
  id: z.string(),
  job: z.enum(['grade-sync', 'roster-refresh']),
  trigger: z.string(),
  status: z.enum(['running', 'succeeded', 'failed', 'interrupted']),
  startedAt: isoTime,
  finishedAt: isoTime.nullable(),
  rowsOffered: z.number(),
  rowsDelivered: z.number(),
  rowsFailed: z.number(),
  rowsPending: z.number(),
  contextsTotal: z.number(),
  contextsDone: z.number(),
  contextsSkipped: z.number(),
  contextsFailed: z.number(),
  error: z.string().nullable(),
});

export const overviewResponse = z.object({
  /** The checks behind /health/sync, computed the same way. */
  status: z.object({ gradeSync: check, rosterRefresh: check, backlog: check, deadLetters: check, staleCredentials: check }),
  delivery: z.object({
    since: isoTime,
    bucketSeconds: z.number(),
    platforms: z.array(
      z.object({
        platformId: z.string(),
        /** The shared request budget's current rate (requests per second), when the platform has one. */
        rate: z.number().nullable(),
        buckets: z.array(z.object({ start: isoTime, delivered: z.number(), throttled: z.number(), failed: z.number() })),
      }),
    ),
  }),
  lastRuns: z.object({ gradeSync: runSummary.nullable(), rosterRefresh: runSummary.nullable() }),
});
export type OverviewResponse = z.infer<typeof overviewResponse>;
export type RunSummary = z.infer<typeof runSummary>;

const attempt = z.object({
  attemptedAt: isoTime,
  outcome: z.enum(['delivered', 'superseded', 'retry', 'waiting_for_launch', 'failed']),
  statusCode: z.number().nullable(),
  /** What the LMS (or LTIAAS) answered, in its words. */
  message: z.string().nullable(),
  version: z.number(),
});

export const learnerScore = z.object({
  id: z.string(),
  platformId: z.string(),
  contextId: z.string(),
  resourceLinkId: z.string(),
  /** The line item as the grader named it (label, resource id or tag), or the activity's own. */
  lineItem: z.string(),
  lineItemId: z.string().nullable(),
  userId: z.string(),
  scoreGiven: z.number().nullable(),
  scoreMaximum: z.number().nullable(),
  timestamp: z.string(),
  state: z.enum(SCORE_STATES as [string, ...string[]]),
  attempts: z.number(),
  lastStatusCode: z.number().nullable(),
  lastError: z.string().nullable(),
  receivedAt: isoTime,
  deliveredAt: isoTime.nullable(),
  deadLetterId: z.string().nullable(),
  history: z.array(attempt),
});
export type LearnerScore = z.infer<typeof learnerScore>;

export const learnerResponse = z.object({
  query: z.string(),
  /** The users the query matched: by id, or by email in a roster. */
  users: z.array(z.object({ userId: z.string(), name: z.string().nullable(), email: z.string().nullable(), platformIds: z.array(z.string()) })),
  scores: z.array(learnerScore),
});
export type LearnerResponse = z.infer<typeof learnerResponse>;

export const waitingResponse = z.object({
  contexts: z.array(
    z.object({
      platformId: z.string(),
      contextId: z.string(),
      resourceLinkId: z.string(),
      scores: z.number(),
      /** When the oldest score began to wait. */
      waitingSince: isoTime,
      credentialStaleAt: isoTime.nullable(),
      lastLaunchAt: isoTime.nullable(),
    }),
  ),
});
export type WaitingResponse = z.infer<typeof waitingResponse>;
