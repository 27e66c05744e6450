import { z } from 'zod';
import { SCORE_STATUSES } from '../score-status';

const id = z.string().min(1).max(1000);

/** `GET /v1/scores` query: any of the filters; paging by the `next` cursor. */
export const scoreQueryParams = z.strictObject({
  platformId: id.optional(),
  contextId: id.optional(),
  resourceLinkId: id.optional(),
  userId: id.optional(),
  status: z.enum(SCORE_STATUSES).optional(),
  after: z.string().regex(/^\d{1,19}$/, 'must be the `next` value of a previous page').optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  attempts: z.coerce.number().int().min(0).max(100).default(10),
});
export type ScoreQueryParams = z.infer<typeof scoreQueryParams>;
