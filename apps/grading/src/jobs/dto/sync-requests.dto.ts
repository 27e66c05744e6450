import { z } from 'zod';

const id = z.string().min(1).max(1000);

/** POST /v1/sync/grades. Without `force`: every undelivered row; with it: every row of a context (or one activity), delivered or not. */
export const gradeSyncRequest = z
  .strictObject({
    platformId: id.optional(),
    contextId: id.optional(),
    resourceLinkId: id.optional(),
    force: z.boolean().optional(),
  })
  .superRefine((body, ctx) => {
    const scoped = body.platformId !== undefined || body.contextId !== undefined || body.resourceLinkId !== undefined;
    if (body.force) {
      if (body.platformId === undefined) ctx.addIssue({ code: 'custom', path: ['platformId'], message: 'required with force: a forced resend covers one context or activity' });
      if (body.contextId === undefined) ctx.addIssue({ code: 'custom', path: ['contextId'], message: 'required with force: a forced resend covers one context or activity' });
    } else if (scoped) {
      ctx.addIssue({ code: 'custom', path: ['force'], message: 'must be true to name a context: without it the sync re-offers every undelivered score' });
    }
  });
export type GradeSyncRequest = z.infer<typeof gradeSyncRequest>;

/** POST /v1/sync/rosters: every active context with NRPS, or the one named (whatever its age). */
export const rosterRefreshRequest = z
  .strictObject({ platformId: id.optional(), contextId: id.optional() })
  .refine((body) => body.contextId === undefined || body.platformId !== undefined, { path: ['platformId'], message: 'required with contextId' });
export type RosterRefreshRequest = z.infer<typeof rosterRefreshRequest>;

/** GET /v1/sync/runs. */
export const runQueryParams = z.strictObject({
  job: z.enum(['grade-sync', 'roster-refresh']).optional(),
  status: z.enum(['running', 'succeeded', 'failed', 'interrupted']).optional(),
  before: z.string().regex(/^\d{1,19}$/, 'must be a run id').optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export type RunQueryParams = z.infer<typeof runQueryParams>;

export const runId = z.string().regex(/^\d{1,19}$/, 'must be a run id');
