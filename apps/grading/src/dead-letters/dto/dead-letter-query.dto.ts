import { z } from 'zod';

export const deadLetterQueryParams = z.strictObject({
  kind: z.enum(['delivery', 'ingest']).optional(),
  /** true: only those not yet retried; false: only retried ones; absent: all. */
  open: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  after: z.string().regex(/^\d{1,19}$/, 'must be the `next` value of a previous page').optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type DeadLetterQueryParams = z.infer<typeof deadLetterQueryParams>;

export const deadLetterId = z.string().regex(/^\d{1,19}$/, 'must be a dead letter id');
