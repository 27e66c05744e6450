import { z } from 'zod';

/**
 * A key's platform list (`platforms` on the key, the `platforms` claim on its
 * tokens): platform ids as LTIAAS names them. No control characters, so an id
 * can go into a log line or an error message as it is.
 */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
export const MAX_PLATFORMS = 100;
export const MAX_PLATFORM_ID_LENGTH = 512;

export const platformIdSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_PLATFORM_ID_LENGTH, `must be at most ${MAX_PLATFORM_ID_LENGTH} characters`)
  .refine((id) => !CONTROL_CHARACTERS.test(id), 'must not contain control characters');

/** A non-empty list of platform ids, duplicates dropped. */
export const platformsSchema = z
  .array(platformIdSchema)
  .min(1, 'must list at least one platform id (leave it out for an unrestricted key)')
  .max(MAX_PLATFORMS, `must list at most ${MAX_PLATFORMS} platform ids`)
  .transform((ids) => [...new Set(ids)]);

/** The claim as a verifier reads it: absent is unrestricted; anything but a valid list is a malformed token. */
export function parsePlatformsClaim(claim: unknown): string[] | undefined | 'malformed' {
  if (claim === undefined) return undefined;
  const parsed = platformsSchema.safeParse(claim);
  return parsed.success ? parsed.data : 'malformed';
}
