import { z } from 'zod';
import { identifier } from './text';

/** LTI 1.3 caps context, resource link and user ids at 255 ASCII characters; 255 UTF-8 bytes keeps that and fits every index. */
const id = (name: string) => identifier(name, 255);

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
