import { z } from 'zod';

/** Every LTIAAS endpoint the emulator serves, by the name fault rules and the request log use. */
export const ENDPOINTS = [
  'idtoken',
  'lineitems.list',
  'lineitems.get',
  'lineitems.create',
  'lineitems.update',
  'lineitems.delete',
  'scores.post',
  'scores.list',
  'memberships',
  'registrations.get',
  'registrations.complete',
  'platforms.list',
  'platforms.get',
  'platforms.create',
  'platforms.update',
  'platforms.delete',
  'platforms.activate',
  'platforms.deactivate',
] as const;
export type EndpointName = (typeof ENDPOINTS)[number];

export const LTIAAS_ERROR_CODES = ['INACTIVE_SERVICE', 'SERVICE_NOT_AVAILABLE_FOR_CONTEXT', 'UNREGISTERED_OR_INACTIVE_PLATFORM'] as const;
export type LtiaasErrorCode = (typeof LTIAAS_ERROR_CODES)[number];

/** `scores.post`, `lineitems.*` or `*`; a typo would silently match nothing, so it is refused. */
const endpointPattern = z.string().refine(
  (p) => p === '*' || (ENDPOINTS as readonly string[]).includes(p) || (p.endsWith('.*') && ENDPOINTS.some((e) => e.startsWith(p.slice(0, -1)))),
  { message: `unknown endpoint; one of ${ENDPOINTS.join(', ')}, a prefix like "lineitems.*", or "*"` },
);

const common = {
  /** Shown in the fault log; default `rule-<index>`. */
  id: z.string().min(1).optional(),
  /** Share of matching requests that get the fault, 0..1. */
  probability: z.number().min(0).max(1).default(1),
  /** Inject at most this many times. */
  times: z.number().int().positive().optional(),
  /** Let this many matching requests through before the rule may fire. */
  after: z.number().int().nonnegative().default(0),
  endpoints: z.array(endpointPattern).min(1).optional(),
  platforms: z.array(z.string().min(1)).min(1).optional(),
};

const latency = z
  .strictObject({
    kind: z.literal('latency'),
    ...common,
    ms: z.number().int().nonnegative().optional(),
    minMs: z.number().int().nonnegative().optional(),
    maxMs: z.number().int().nonnegative().optional(),
  })
  .refine((r) => r.ms !== undefined || (r.minMs !== undefined && r.maxMs !== undefined && r.minMs <= r.maxMs), {
    message: 'latency needs "ms", or "minMs" <= "maxMs"',
  });

const httpError = z.strictObject({
  kind: z.literal('http-error'),
  ...common,
  status: z.union([z.literal(500), z.literal(502), z.literal(503), z.literal(504)]),
});

const tooManyRequests = z.strictObject({
  kind: z.literal('too-many-requests'),
  ...common,
  retryAfterSeconds: z.number().int().nonnegative().default(1),
  /** Retry-After as delta-seconds or as an HTTP date (both are legal, RFC 9110 §10.2.3). */
  retryAfterFormat: z.enum(['seconds', 'http-date']).default('seconds'),
});

/** Canvas's answer to throttling before it moved to 429. */
const forbiddenRateLimit = z.strictObject({ kind: z.literal('forbidden-rate-limit'), ...common });

const connectionReset = z.strictObject({ kind: z.literal('connection-reset'), ...common });

const ltiaasError = z.strictObject({
  kind: z.literal('ltiaas-error'),
  ...common,
  code: z.enum(LTIAAS_ERROR_CODES),
  /** The reference does not document these statuses; see README for the defaults. */
  status: z.number().int().min(400).max(599).optional(),
  /** Where the code travels: LTIAAS has been seen to use all three (reference §11). */
  codeIn: z.enum(['details.message', 'details.code', 'error']).default('details.message'),
});

/** The LMS refusing LTIAAS itself (its access token or scopes), relayed with `externalError: true`. */
const lmsRefused = z.strictObject({
  kind: z.literal('lms-refused'),
  ...common,
  status: z.union([z.literal(401), z.literal(403)]).default(401),
});

/** A token bucket per platform: beyond it, 429 (or Canvas's 403). */
const rateLimit = z.strictObject({
  kind: z.literal('rate-limit'),
  ...common,
  perSecond: z.number().positive(),
  burst: z.number().int().positive(),
  style: z.enum(['429', '403']).default('429'),
});

export const FaultRuleSchema = z.discriminatedUnion('kind', [
  latency,
  httpError,
  tooManyRequests,
  forbiddenRateLimit,
  connectionReset,
  ltiaasError,
  lmsRefused,
  rateLimit,
]);
export type FaultRule = z.infer<typeof FaultRuleSchema>;

export const FaultsConfigSchema = z.strictObject({
  /** Seeds every rule's random stream; default the emulator's EMULATOR_SEED. */
  seed: z.number().int().optional(),
  rules: z.array(FaultRuleSchema).default([]),
});
export type FaultsConfig = z.infer<typeof FaultsConfigSchema>;
export type FaultsConfigInput = z.input<typeof FaultsConfigSchema>;
