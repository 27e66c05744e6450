import { z } from 'zod';
import { platformsSchema, SCOPES } from '@app/auth';

export const HANDLE_PATTERN = /^[a-z0-9-]{3,64}$/;

const scope = z.enum(SCOPES, { error: (issue) => `unknown scope ${JSON.stringify(issue.input)}; known scopes: ${SCOPES.join(', ')}` });

export const createApiKeyBody = z
  .object({
    handle: z.string().regex(HANDLE_PATTERN, 'must be 3-64 characters of a-z, 0-9 and -'),
    alias: z.string().trim().min(1).max(200).optional(),
    scopes: z
      .array(scope)
      .min(1, 'must list at least one scope')
      .transform((scopes) => [...new Set(scopes)]),
    /** Platform ids the key is limited to; leave it out for a key that reaches every platform. */
    platforms: platformsSchema.optional(),
  })
  .strict();
export type CreateApiKeyBody = z.infer<typeof createApiKeyBody>;
