import { z } from 'zod';

// The answers of the signing-key endpoints, for the OpenAPI document.
export const jwksView = z.object({
  keys: z.array(z.looseObject({ kty: z.string(), kid: z.string(), alg: z.string().optional(), use: z.string().optional() })).describe('public JWKs (RFC 7517)'),
});

export const rotationOutcome = z.object({
  rotated: z.boolean(),
  activeKid: z.string(),
  retiredKid: z.string().nullable(),
});
