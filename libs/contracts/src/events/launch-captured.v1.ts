import { z } from 'zod';
import { contextTriple } from '../context';
import { cloudEvent } from '../envelope';

export const launchCapturedData = contextTriple
  .extend({
    userId: z.string().min(1).max(1000),
    roles: z.array(z.string().max(500)).max(100),
    launchedAt: z.iso.datetime({ offset: true }),
    /**
     * The serviceKey as a compact JWE sealed to the vault's public key, the
     * context triple bound into its protected header. Absent when the launch
     * had neither AGS nor NRPS. Never the plaintext.
     */
    sealedServiceKey: z.string().regex(/^[\w-]+\.[\w-]*\.[\w-]+\.[\w-]+\.[\w-]+$/, 'must be a compact JWE').optional(),
    services: z.object({
      assignmentAndGrades: z.object({ available: z.boolean(), lineItemId: z.string().url().optional() }),
      namesAndRoles: z.object({ available: z.boolean() }),
    }),
    platform: z.object({ name: z.string().max(500).optional(), url: z.string().max(2000).optional(), productFamilyCode: z.string().max(200).optional() }).optional(),
    context: z.object({ title: z.string().max(1000).optional(), label: z.string().max(500).optional() }).optional(),
    resourceLink: z.object({ title: z.string().max(1000).optional() }).optional(),
  })
  .strict();
export type LaunchCapturedData = z.infer<typeof launchCapturedData>;

export const LAUNCH_CAPTURED_V1 = 'com.ltigrading.launch.captured.v1';
export const launchCapturedEvent = cloudEvent(LAUNCH_CAPTURED_V1, launchCapturedData).extend({
  /**
   * CloudEvents extension attribute: launch's compact JWS (EdDSA or ES256,
   * `typ` launch-captured+jws) over the event id and what it captured, the
   * sealed serviceKey by its SHA-256. Optional in this version so that events
   * published before signing still parse and can be dead-lettered with the
   * reason; the vault and grading refuse an event without a valid one.
   */
  launchsignature: z
    .string()
    .max(2000)
    .regex(/^[\w-]+\.[\w-]+\.[\w-]+$/, 'must be a compact JWS')
    .optional(),
});
export type LaunchCapturedEvent = z.infer<typeof launchCapturedEvent>;
