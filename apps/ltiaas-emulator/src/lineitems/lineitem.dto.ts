import { z } from 'zod';
import { isTimestamp } from '../common/timestamp';
import { limitParam } from '../common/validation';
import { LineItem } from '../lms/lms.types';

const dateTime = z.string().refine(isTimestamp, 'expected an ISO 8601 date-time with an offset');

const fields = {
  label: z.string().refine((s) => s.trim().length > 0, 'must not be blank'),
  scoreMaximum: z.number().positive(),
  resourceLinkId: z.string().min(1).optional(),
  resourceId: z.string().optional(),
  tag: z.string().optional(),
  startDateTime: dateTime.optional(),
  endDateTime: dateTime.optional(),
  gradesReleased: z.boolean().optional(),
};

/**
 * POST body: the LMS sets `id`, so a tool must not send one (reference §5.2). Fields beyond
 * the AGS ones are LMS extensions (Canvas's `submissionType`, …): LTIAAS passes them through
 * and the LMS keeps them (reference §11).
 */
export const CreateLineItemBody = z.looseObject({ ...fields, id: z.never({ error: 'the LMS assigns the id' }).optional() });
export type CreateLineItemBody = z.infer<typeof CreateLineItemBody>;

/** PUT body: full replacement; an echoed `id` must be the item's own. */
export const ReplaceLineItemBody = z.looseObject({ id: z.string().optional(), ...fields });
export type ReplaceLineItemBody = z.infer<typeof ReplaceLineItemBody>;

export const ListLineItemsQuery = z.object({
  url: z.string().min(1).optional(),
  resourceLinkId: z.string().min(1).optional(),
  resourceId: z.string().optional(),
  tag: z.string().optional(),
  label: z.string().optional(),
  id: z.string().optional(),
  limit: limitParam.optional(),
});
export type ListLineItemsQuery = z.infer<typeof ListLineItemsQuery>;

export interface LineItemView {
  id: string;
  label: string;
  scoreMaximum: number;
  resourceLinkId?: string;
  resourceId?: string;
  tag?: string;
  startDateTime?: string;
  endDateTime?: string;
  gradesReleased?: boolean;
  [extension: string]: unknown;
}

export function toView(item: LineItem): LineItemView {
  const { platformId: _p, contextId: _c, extensions, ...view } = item;
  return { ...extensions, ...view };
}
