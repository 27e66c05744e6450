import { z } from 'zod';
import { contextTriple, type ContextTriple } from '@app/contracts';

export const contextsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** `next` from the previous page. */
  cursor: z.string().max(4000).optional(),
  platformId: z.string().min(1).max(1000).optional(),
  contextId: z.string().min(1).max(1000).optional(),
});
export type ContextsQuery = z.infer<typeof contextsQuery>;

/** Opaque to clients: the last triple of a page. */
export function encodeCursor(triple: ContextTriple): string {
  return Buffer.from(JSON.stringify([triple.platformId, triple.contextId, triple.resourceLinkId]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): ContextTriple | undefined {
  try {
    const [platformId, contextId, resourceLinkId] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    const parsed = contextTriple.safeParse({ platformId, contextId, resourceLinkId });
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

const optionalText = z.string().optional();

export const launchContextView = contextTriple.extend({
  platform: z.object({ name: optionalText, url: optionalText, productFamilyCode: optionalText }),
  context: z.object({ title: optionalText, label: optionalText }),
  resourceLink: z.object({ title: optionalText }),
  services: z.object({
    assignmentAndGrades: z.object({ available: z.boolean(), lineItemId: optionalText }),
    namesAndRoles: z.object({ available: z.boolean() }),
  }),
  firstLaunchedAt: z.string(),
  lastLaunchedAt: z.string(),
  serviceKey: z.object({ present: z.boolean(), capturedAt: optionalText, stale: z.boolean().optional(), staleAt: optionalText, masterKeyId: optionalText }),
});

export const contextsPage = z.object({ items: z.array(launchContextView), next: z.string().optional() });
