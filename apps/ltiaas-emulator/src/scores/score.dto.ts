import { z } from 'zod';
import { isTimestamp } from '../common/timestamp';
import { limitParam } from '../common/validation';
import { ACTIVITY_PROGRESS, GRADING_PROGRESS } from '../lms/lms.types';

const dateTime = z.string().refine(isTimestamp, 'expected an ISO 8601 date-time with an offset');

/**
 * An AGS score as LTIAAS takes it (reference §5.8). `timestamp` and
 * `submission` are not LTIAAS fields but tools send them and AGS-strict
 * platforms need `timestamp`; the Canvas submission extension passes through.
 */
export const ScoreBody = z
  .strictObject({
    userId: z.string().min(1),
    activityProgress: z.enum(ACTIVITY_PROGRESS),
    gradingProgress: z.enum(GRADING_PROGRESS),
    // 0 is a valid score (the SDK's `.positive()` is a known bug, §5.8).
    scoreGiven: z.number().min(0).nullable().optional(),
    scoreMaximum: z.number().positive().optional(),
    comment: z.string().nullable().optional(),
    timestamp: dateTime.optional(),
    submission: z.strictObject({ startedAt: dateTime.optional(), submittedAt: dateTime.optional() }).optional(),
    'https://canvas.instructure.com/lti/submission': z.record(z.string(), z.unknown()).optional(),
  })
  .refine((s) => s.scoreGiven === undefined || s.scoreGiven === null || s.scoreMaximum !== undefined, {
    message: 'scoreMaximum is required when scoreGiven is present',
    path: ['scoreMaximum'],
  });
export type ScoreBody = z.infer<typeof ScoreBody>;

export const ResultsQuery = z.object({
  userId: z.string().min(1).optional(),
  limit: limitParam.optional(),
  url: z.string().min(1).optional(),
});
export type ResultsQuery = z.infer<typeof ResultsQuery>;

export interface ResultView {
  id: string;
  userId: string;
  scoreOf: string;
  timestamp: string;
  resultScore?: number;
  resultMaximum: number;
  comment?: string;
}

export interface ResultList {
  scores: ResultView[];
  next?: string;
}
