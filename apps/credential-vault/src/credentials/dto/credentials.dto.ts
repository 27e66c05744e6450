import { z } from 'zod';
import { contextTriple, isoTimestamp } from '@app/contracts';

export const resolveRequest = contextTriple;
export type ResolveRequest = z.infer<typeof resolveRequest>;

export const staleRequest = contextTriple.extend({
  /** Why the key failed, for operators (e.g. `LTIAAS answered 401`). */
  reason: z.string().min(1).max(500).optional(),
  /**
   * The capturedAt of the key the caller found failing, as resolve returned
   * it. When given, a key captured later (a newer launch) is left fresh.
   */
  capturedAt: isoTimestamp.optional(),
});
export type StaleRequest = z.infer<typeof staleRequest>;

const services = z.object({
  assignmentAndGrades: z.object({ available: z.boolean(), lineItemId: z.string().optional() }),
  namesAndRoles: z.object({ available: z.boolean() }),
});

export const resolvedCredential = contextTriple.extend({
  serviceKey: z.string(),
  capturedAt: z.string().describe('ISO 8601 UTC with microseconds; pass it back to /v1/credentials/stale'),
  services: services.nullable().describe('what the latest launch of the context said, when known'),
});
export type ResolvedCredential = z.infer<typeof resolvedCredential>;

export const staleMark = contextTriple.extend({
  stale: z.boolean().describe('false when a newer key than the one reported had already been captured'),
  capturedAt: z.string(),
  staleAt: z.string().nullable(),
});
export type StaleMark = z.infer<typeof staleMark>;
