import { z } from 'zod';
import { authEnv, launchSigningPublicJwksSchema } from '@app/auth';
import { infrastructureEnv, port, positiveInt } from '@app/config';
import { masterKeysSchema } from './crypto/master-keys';
import { sealPrivateKeysSchema } from '@app/contracts';

export const vaultEnv = infrastructureEnv.extend({
  VAULT_PORT: port(3002),
  /** `id:base64key,...` (32-byte keys); the first encrypts, all decrypt. */
  VAULT_MASTER_KEYS: masterKeysSchema,
  /** The private P-256 or X25519 JWK that opens serviceKeys sealed by launch; a JSON array of them while the seal pair is rotated. */
  VAULT_SEAL_PRIVATE_JWK: sealPrivateKeysSchema,
  /** The public keys launch signs LaunchCaptured with (JSON array of Ed25519 or P-256 JWKs, picked by kid); an event that does not verify is a dead letter. */
  LAUNCH_SIGNING_PUBLIC_JWKS: launchSigningPublicJwksSchema,
  /**
   * Optional. An admin API key from the environment, never stored: exchanged at POST /v1/token for an
   * `admin` token, so the first keys can be created. Retire it with DELETE /v1/bootstrap-key once an admin key exists.
   */
  BOOTSTRAP_ADMIN_API_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  /** `iss` of the access tokens the vault signs, and what every app expects. */
  JWT_ISSUER: authEnv.shape.JWT_ISSUER,
  /** `aud` of the access tokens, and what every app expects. */
  JWT_AUDIENCE: authEnv.shape.JWT_AUDIENCE,
  /** Access token lifetime. */
  JWT_TTL_SECONDS: positiveInt(900).pipe(z.number().min(10).max(86_400)),
  /** How long a signing key signs before the next one takes over (may be fractional). */
  JWT_ROTATION_HOURS: z.coerce.number().positive().default(24),
  /** Failed API key presentations at /v1/token allowed per client address and per key prefix in a window... */
  TOKEN_FAILURE_LIMIT: positiveInt(10),
  /** ...of this many seconds; beyond it, 429 with Retry-After until the window ends. */
  TOKEN_FAILURE_WINDOW_SECONDS: positiveInt(300),
});
export type VaultConfig = z.infer<typeof vaultEnv>;
