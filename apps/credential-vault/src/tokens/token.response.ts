import { z } from 'zod';

// The answers of /v1/token and /v1/me, for the OpenAPI document.
export const tokenResponse = z.object({
  access_token: z.string(),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int().describe('seconds'),
  scope: z.string().describe('space-separated scopes'),
});

export const meView = z.object({
  handle: z.string(),
  scopes: z.array(z.string()),
  issuedAt: z.string(),
  expiresAt: z.string(),
  expiresIn: z.number().int().describe('seconds the token has left'),
});
