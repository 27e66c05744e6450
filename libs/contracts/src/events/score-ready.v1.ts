import { z } from 'zod';
import { contextTriple } from '../context';
import { cloudEvent } from '../envelope';
import { freeText, identifier } from '../text';
import { isoTimestamp } from '../timestamp';

export const ACTIVITY_PROGRESS = ['Initialized', 'Started', 'InProgress', 'Submitted', 'Completed'] as const;
export const GRADING_PROGRESS = ['FullyGraded', 'Pending', 'PendingManual', 'Failed', 'NotReady'] as const;

/** Which line item of the resource link a score belongs to; created when absent if label and scoreMaximum are given. */
export const lineItemSelector = z.strictObject({
  resourceId: identifier('lineItem.resourceId', 255).optional(),
  tag: identifier('lineItem.tag', 255).optional(),
  label: identifier('lineItem.label', 255).pipe(z.string().trim().min(1, 'must not be blank')).optional(),
  scoreMaximum: z.number().positive().optional(),
});
export type LineItemSelector = z.infer<typeof lineItemSelector>;

export const scoreReadyData = contextTriple
  .extend({
    userId: identifier('userId', 255),
    scoreGiven: z.number().nonnegative().optional(),
    scoreMaximum: z.number().positive().optional(),
    activityProgress: z.enum(ACTIVITY_PROGRESS),
    gradingProgress: z.enum(GRADING_PROGRESS),
    timestamp: isoTimestamp,
    comment: freeText(4000).optional(),
    lineItem: lineItemSelector.optional(),
  })
  .strict()
  // scoreGiven above scoreMaximum is extra credit, which LTI AGS allows: accepted as given.
  .superRefine((score, ctx) => {
    if (score.scoreGiven !== undefined && score.scoreMaximum === undefined) {
      ctx.addIssue({ code: 'custom', path: ['scoreMaximum'], message: 'scoreMaximum is required when scoreGiven is present' });
    }
  });
export type ScoreReadyData = z.infer<typeof scoreReadyData>;

export const SCORE_READY_V1 = 'com.ltigrading.score.ready.v1';
export const scoreReadyEvent = cloudEvent(SCORE_READY_V1, scoreReadyData);
export type ScoreReadyEvent = z.infer<typeof scoreReadyEvent>;
