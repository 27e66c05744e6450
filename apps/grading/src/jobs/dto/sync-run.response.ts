import { z } from 'zod';

// The answers of the sync endpoints, for the OpenAPI document (SyncRun is what the code returns).
const count = z.number().int();

export const syncRunView = z.object({
  id: z.string(),
  job: z.enum(['grade-sync', 'roster-refresh']),
  trigger: z.enum(['schedule', 'admin']),
  slot: z.string().nullable().describe('the cron slot a scheduled run was started for'),
  scope: z.object({ platformId: z.string().optional(), contextId: z.string().optional(), resourceLinkId: z.string().optional(), force: z.boolean().optional() }),
  status: z.enum(['running', 'succeeded', 'failed', 'interrupted']),
  resumedFrom: z.string().nullable().describe('the interrupted run this one carried on from'),
  owner: z.string().describe('which process ran it (host:pid)'),
  startedAt: z.string(),
  heartbeatAt: z.string(),
  finishedAt: z.string().nullable(),
  durationSeconds: z.number().nullable(),
  details: z.record(z.string(), z.unknown()),
  error: z.string().nullable(),
  rowsOffered: count,
  rowsDelivered: count,
  rowsFailed: count,
  rowsPending: count,
  contextsTotal: count,
  contextsDone: count,
  contextsSkipped: count,
  contextsFailed: count,
  membersSeen: count,
  membersDeactivated: count,
});

export const syncRunsPage = z.object({ runs: z.array(syncRunView), next: z.string().optional().describe('cursor for `before` on the next page') });

export const syncRunDetailView = syncRunView.extend({
  contexts: z
    .array(
      z.object({
        platformId: z.string(),
        contextId: z.string(),
        outcome: z.string(),
        members: count,
        active: count,
        deactivated: count,
        pages: count,
        reason: z.string().optional(),
        carriedOver: z.boolean(),
        finishedAt: z.string(),
      }),
    )
    .optional()
    .describe('a roster refresh: each context it finished'),
});
