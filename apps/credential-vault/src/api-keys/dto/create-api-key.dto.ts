import { z } from 'zod';
import { SCOPES } from '@app/auth';

export const HANDLE_PATTERN = /^[a-z0-9-]{3,64}$/;

export const createApiKeyBody = z
  .object({
    handle: z.string().regex(HANDLE_PATTERN, 'must be 3-64 characters of a-z, 0-9 and -'),
    alias: z.string().trim().min(1).max(200).optional(),
    scopes: z
      .array(z.enum(SCOPES))
      .min(1)
      .transform((scopes) => [...new Set(scopes)]),
  })
  .strict();
export type CreateApiKeyBody = z.infer<typeof createApiKeyBody>;
