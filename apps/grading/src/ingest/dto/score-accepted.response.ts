import { z } from 'zod';

// The answers of POST /v1/scores and /v1/scores/batch, for the OpenAPI document.
export const scoreAccepted = z.object({ id: z.string().describe('the event id; follow it at GET /v1/scores/events/{id}') });

export const batchAccepted = z.object({
  accepted: z.number().int(),
  rejected: z.number().int(),
  items: z.array(
    z.union([
      z.object({ index: z.number().int(), id: z.string() }),
      z.object({ index: z.number().int(), errors: z.array(z.string()).describe('`scores.<index>.<field>: reason`') }),
    ]),
  ),
});
