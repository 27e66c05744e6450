import { z } from 'zod';

/**
 * The ltik LTIAAS appends to the redirect. LTIAAS issues it as a signed JWT;
 * anything outside URL-safe token characters, or absurdly long, is not one.
 */
export const ltikSchema = z
  .string({ error: 'ltik is required' })
  .min(1, 'ltik must not be empty')
  .max(8192, 'ltik is too long')
  .regex(/^[A-Za-z0-9._~+/=-]+$/, 'ltik is malformed');

export const launchQuery = z.object({ ltik: ltikSchema });
export type LaunchQuery = z.infer<typeof launchQuery>;
