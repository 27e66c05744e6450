import { z } from 'zod';

export const MAX_BATCH = 1000;

/** `POST /v1/scores/batch`: the envelope is checked first, then every item on its own. */
export const scoreBatchEnvelope = z.strictObject({
  scores: z.array(z.unknown()).min(1, 'must hold at least one score').max(MAX_BATCH, `must hold at most ${MAX_BATCH} scores`),
});
export type ScoreBatchEnvelope = z.infer<typeof scoreBatchEnvelope>;

/** An Idempotency-Key becomes the event id (a batch appends `:<index>`), so it must fit one. */
export const idempotencyKey = z
  .string()
  .min(1)
  .max(190, 'must be at most 190 characters')
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
  .optional();

export type BatchItemResult = { index: number; id: string } | { index: number; errors: string[] };

export interface BatchAccepted {
  accepted: number;
  rejected: number;
  items: BatchItemResult[];
}
