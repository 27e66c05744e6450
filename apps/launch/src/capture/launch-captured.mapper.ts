import { z } from 'zod';
import { launchCapturedData, type ContextTriple, type LaunchCapturedData } from '@app/contracts';
import type { IdToken } from '@app/ltiaas';

export type Seal = (serviceKey: string, ctx: ContextTriple) => Promise<string>;

export type Mapped = { ok: true; data: LaunchCapturedData; hasServiceKey: boolean } | { ok: false; reason: string };

const url = z.string().url();

/**
 * The LaunchCaptured data of an ID token: the context triple, who launched,
 * which services the context has, a few non-secret titles, and the
 * serviceKey sealed for the vault. Free text is cut to the contract's limits
 * so that a verbose LMS never turns a launch into a dead letter; an id that
 * does not fit cannot be cut, and the launch is then not captured.
 */
export async function toLaunchCaptured(token: IdToken, launchedAt: string, seal: Seal): Promise<Mapped> {
  const contextId = token.launch?.context?.id;
  const resourceLinkId = token.launch?.resourceLink?.id;
  if (!contextId || !resourceLinkId) {
    return { ok: false, reason: `the launch has no ${contextId ? 'resource link' : 'context'} (type ${token.launch?.type ?? 'unknown'}), so there is no context to capture` };
  }
  const triple: ContextTriple = { platformId: token.platform.id, contextId, resourceLinkId };
  const ags = token.services.assignmentAndGrades;
  const lineItemId = ags.lineItemId !== undefined && url.safeParse(ags.lineItemId).success ? ags.lineItemId : undefined;
  const serviceKey = token.services.serviceKey;
  const candidate: LaunchCapturedData = {
    ...triple,
    userId: token.user.id,
    roles: token.user.roles.filter((r) => r.length <= 500).slice(0, 100),
    launchedAt,
    ...(serviceKey ? { sealedServiceKey: await seal(serviceKey, triple) } : {}),
    services: {
      assignmentAndGrades: { available: ags.available, ...(lineItemId ? { lineItemId } : {}) },
      namesAndRoles: { available: token.services.namesAndRoles.available },
    },
    platform: compact({ name: cut(token.platform.name, 500), url: cut(token.platform.url, 2000), productFamilyCode: cut(token.platform.productFamilyCode, 200) }),
    context: compact({ title: cut(token.launch?.context?.title, 1000), label: cut(token.launch?.context?.label, 500) }),
    resourceLink: compact({ title: cut(token.launch?.resourceLink?.title, 1000) }),
  };
  const checked = launchCapturedData.safeParse(candidate);
  if (!checked.success) {
    return { ok: false, reason: checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
  }
  return { ok: true, data: checked.data, hasServiceKey: Boolean(serviceKey) };
}

function cut(value: unknown, max: number): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value.slice(0, max) : undefined;
}

function compact<T extends Record<string, string | undefined>>(value: T): T | undefined {
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  return entries.length ? (Object.fromEntries(entries) as T) : undefined;
}
