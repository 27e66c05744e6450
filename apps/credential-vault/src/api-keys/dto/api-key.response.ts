import { z } from 'zod';

// The answers of /v1/keys, for the OpenAPI document (ApiKeyView is what the code returns).
export const apiKeyView = z.object({
  handle: z.string(),
  alias: z.string().nullable(),
  scopes: z.array(z.string()),
  prefix: z.string().describe('the key\'s first characters, to recognise it in a secret scanner\'s report'),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
});

export const createdApiKeyView = apiKeyView.extend({ apiKey: z.string().describe('the secret: shown this once, never again') });

export const apiKeyList = z.object({ keys: z.array(apiKeyView) });
