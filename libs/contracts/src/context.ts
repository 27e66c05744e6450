import { z } from 'zod';

const id = (name: string) => z.string({ error: `${name} is required` }).min(1, `${name} must not be empty`).max(1000);

/** The launch context triple that scopes a serviceKey, a ledger row and a Kafka key. */
export const contextTriple = z.object({
  platformId: id('platformId'),
  contextId: id('contextId'),
  resourceLinkId: id('resourceLinkId'),
});
export type ContextTriple = z.infer<typeof contextTriple>;

/**
 * The Kafka key of every event about one activity: all its events land on one
 * partition, in order. JSON keeps it unambiguous whatever the ids contain.
 */
export function contextKey(triple: ContextTriple): string {
  return JSON.stringify([triple.platformId, triple.contextId, triple.resourceLinkId]);
}
