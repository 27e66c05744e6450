import { MissingCredentialError } from '../errors/ltiaas.exception';

export type AuthScheme = 'LTIK-AUTH-V2' | 'SERVICE-AUTH-V1' | 'Bearer';

/**
 * Which schemes LTIAAS accepts per endpoint class (reference §1, endpoint map).
 * The one table every header decision is derived from.
 */
export const ACCEPTED_SCHEMES = {
  idtoken: ['LTIK-AUTH-V2'],
  'deep-linking': ['LTIK-AUTH-V2'],
  'line-items': ['LTIK-AUTH-V2', 'SERVICE-AUTH-V1'],
  scores: ['LTIK-AUTH-V2', 'SERVICE-AUTH-V1'],
  results: ['LTIK-AUTH-V2', 'SERVICE-AUTH-V1'],
  memberships: ['LTIK-AUTH-V2', 'SERVICE-AUTH-V1'],
  registrations: ['Bearer'],
  platforms: ['Bearer'],
} as const satisfies Record<string, readonly AuthScheme[]>;

export type EndpointClass = keyof typeof ACCEPTED_SCHEMES;
export const ENDPOINT_CLASSES = Object.keys(ACCEPTED_SCHEMES) as EndpointClass[];

/** An ltik dies 24 hours after LTIAAS issues it (reference §2). */
export const LTIK_LIFETIME_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_LTIK_SAFETY_MARGIN_MS = 5 * 60 * 1000;

export interface HeldLtik {
  token: string;
  /** When LTIAAS issued it: a Date or epoch milliseconds. */
  issuedAt: Date | number;
}

/** What a caller holds for one call; the API key comes from configuration. */
export interface LtiaasCredential {
  ltik?: HeldLtik;
  serviceKey?: string;
}

export interface HeldCredentials extends LtiaasCredential {
  apiKey?: string;
}

export type AuthorizationChoice =
  | { ok: true; scheme: AuthScheme; header: string }
  | { ok: false; error: MissingCredentialError };

export function ltikAgeMs(ltik: HeldLtik, nowMs: number): number {
  const issued = typeof ltik.issuedAt === 'number' ? ltik.issuedAt : ltik.issuedAt.getTime();
  return nowMs - issued;
}

/**
 * Picks the Authorization header for one call, or says which credential is
 * missing. Inside a live launch (ltik younger than its lifetime minus the
 * safety margin) the ltik wins on grade and roster endpoints, since it proves
 * the user is there; otherwise the serviceKey. Launch-only endpoints have no
 * fallback, so there an ltik is used until it actually expires.
 */
export function chooseAuthorization(
  endpoint: EndpointClass,
  held: HeldCredentials,
  nowMs: number,
  safetyMarginMs: number = DEFAULT_LTIK_SAFETY_MARGIN_MS,
): AuthorizationChoice {
  const apiKey = held.apiKey;
  if (!apiKey) return missing(endpoint, 'NO_API_KEY');
  const schemes: readonly AuthScheme[] = ACCEPTED_SCHEMES[endpoint];
  if (schemes.includes('Bearer')) return { ok: true, scheme: 'Bearer', header: `Bearer ${apiKey}` };

  const ltik = held.ltik?.token ? held.ltik : undefined;
  const age = ltik ? ltikAgeMs(ltik, nowMs) : Number.POSITIVE_INFINITY;
  const acceptsServiceKey = schemes.includes('SERVICE-AUTH-V1');

  if (!acceptsServiceKey) {
    if (!ltik) return missing(endpoint, 'NO_LTIK');
    if (age >= LTIK_LIFETIME_MS) return missing(endpoint, 'LTIK_EXPIRED');
    return { ok: true, scheme: 'LTIK-AUTH-V2', header: `LTIK-AUTH-V2 ${apiKey}:${ltik.token}` };
  }
  if (ltik && age < LTIK_LIFETIME_MS - safetyMarginMs) {
    return { ok: true, scheme: 'LTIK-AUTH-V2', header: `LTIK-AUTH-V2 ${apiKey}:${ltik.token}` };
  }
  if (held.serviceKey) {
    return { ok: true, scheme: 'SERVICE-AUTH-V1', header: `SERVICE-AUTH-V1 ${apiKey}:${held.serviceKey}` };
  }
  return missing(endpoint, 'NO_SERVICE_KEY_OR_LIVE_LTIK');
}

function missing(endpoint: EndpointClass, code: MissingCredentialError['code']): AuthorizationChoice {
  return { ok: false, error: new MissingCredentialError(code, endpoint) };
}
