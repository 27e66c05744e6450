import { z } from 'zod';
import { httpUrl, infrastructureEnv, port, positiveInt } from '@app/config';
import { launchSigningPrivateJwkSchema } from '@app/auth';
import { sealPublicJwkSchema } from '@app/contracts';

export const launchEnv = infrastructureEnv.extend({
  LAUNCH_PORT: port(3001),
  /** Base URL of LTIAAS (or the emulator). */
  LTIAAS_URL: httpUrl,
  LTIAAS_API_KEY: z.string().min(1),
  /** The vault's public seal key (JWK JSON); serviceKeys are encrypted to it before they leave. */
  VAULT_SEAL_PUBLIC_JWK: sealPublicJwkSchema,
  /** Launch's private signing key (Ed25519 or P-256 JWK JSON): every LaunchCaptured is signed with it, and the vault and grading act only on what verifies. */
  LAUNCH_SIGNING_PRIVATE_JWK: launchSigningPrivateJwkSchema,
  /**
   * Requests to /launch and /app allowed per client address per minute (beyond: 429 with
   * Retry-After). Generous, because a whole school may reach us from one NAT address; it is
   * there to stop one address flooding, not to shape real traffic.
   */
  LAUNCH_RATE_LIMIT: positiveInt(300),
  /** LTIAAS calls one launch process keeps in flight at most; beyond it, 503 with Retry-After at once instead of a queue. */
  LAUNCH_LTIAAS_MAX_IN_FLIGHT: positiveInt(100),
  /** Where the user goes after capture, with `?ltik=`; default: the built-in landing page at /app. */
  TOOL_APP_URL: httpUrl.optional(),
  /** How long a launch waits for Kafka before its event goes to the outbox instead. */
  LAUNCH_PUBLISH_TIMEOUT_MS: positiveInt(500),
  /**
   * How long an event may wait to share a Kafka request with others. Under load the
   * one-request-in-flight rule batches anyway; a longer linger only delays light traffic.
   */
  LAUNCH_PUBLISH_LINGER_MS: z.coerce.number().int().min(0).max(1000).default(1),
  LAUNCH_OUTBOX_DRAIN_INTERVAL_MS: positiveInt(1000),
});
export type LaunchConfig = z.infer<typeof launchEnv>;
