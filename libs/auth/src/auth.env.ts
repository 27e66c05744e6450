import { z } from 'zod';
import { httpUrl } from '@app/config';

export const DEFAULT_JWT_ISSUER = 'credential-vault';
export const DEFAULT_JWT_AUDIENCE = 'lti-grading';

/**
 * What every app that verifies vault tokens needs. Spread it into the app's
 * schema: `infrastructureEnv.extend({ ...authEnv.shape, GRADING_PORT: port(3003) })`.
 */
export const authEnv = z.object({
  VAULT_URL: httpUrl.default('http://127.0.0.1:3002'),
  JWT_ISSUER: z.string().min(1).default(DEFAULT_JWT_ISSUER),
  JWT_AUDIENCE: z.string().min(1).default(DEFAULT_JWT_AUDIENCE),
});
export type AuthEnv = z.infer<typeof authEnv>;
