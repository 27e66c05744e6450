import { createHash } from 'node:crypto';
import { CompactSign, compactVerify, decodeProtectedHeader, type CompactJWSHeaderParameters, type ProtectedHeaderParameters } from 'jose';
import { contextKey, type LaunchCapturedEvent } from '@app/contracts';
import type { LaunchSigningKey } from './launch-signing-keys';

/** The JWS `typ` of a launch signature, so a token signed for anything else is never taken for one. */
export const LAUNCH_SIGNATURE_TYPE = 'launch-captured+jws';

type UnsignedEvent = Omit<LaunchCapturedEvent, 'launchsignature'>;

/**
 * What launch vouches for, as the JWS payload: the event id, the context
 * triple, who launched and when, the services consumers act on, and the
 * sealed serviceKey by its SHA-256 (the JWE itself stays where it is, so the
 * event does not carry it twice; the hash binds it as firmly). A consumer
 * reads these back from the payload and compares them with the event, so no
 * byte-exact re-serialisation is needed on either side, in any language.
 */
export interface LaunchClaims {
  jti: string;
  platformId: string;
  contextId: string;
  resourceLinkId: string;
  userId: string;
  launchedAt: string;
  /** base64url SHA-256 of `data.sealedServiceKey`; null when the launch carried no key. */
  sealedServiceKeySha256: string | null;
  ags: boolean;
  lineItemId: string | null;
  nrps: boolean;
}

export function launchClaimsOf(event: UnsignedEvent): LaunchClaims {
  const { data } = event;
  return {
    jti: event.id,
    platformId: data.platformId,
    contextId: data.contextId,
    resourceLinkId: data.resourceLinkId,
    userId: data.userId,
    launchedAt: data.launchedAt,
    sealedServiceKeySha256: data.sealedServiceKey === undefined ? null : createHash('sha256').update(data.sealedServiceKey).digest('base64url'),
    ags: data.services.assignmentAndGrades.available,
    lineItemId: data.services.assignmentAndGrades.lineItemId ?? null,
    nrps: data.services.namesAndRoles.available,
  };
}

const encoder = new TextEncoder();

/** Makes a compact JWS of `payload` with the signing key, wherever that runs (launch gives it its own thread). */
export type CompactSigner = (payload: string, header: CompactJWSHeaderParameters) => Promise<string>;

/** Signs LaunchCaptured events with launch's private key: a compact JWS over `launchClaimsOf(event)`. */
export class LaunchSigner {
  private readonly compactSign: CompactSigner;

  constructor(
    private readonly signingKey: LaunchSigningKey,
    compactSign?: CompactSigner,
  ) {
    this.compactSign = compactSign ?? ((payload, header) => new CompactSign(encoder.encode(payload)).setProtectedHeader(header).sign(signingKey.key));
  }

  sign(event: UnsignedEvent): Promise<string> {
    return this.compactSign(JSON.stringify(launchClaimsOf(event)), { alg: this.signingKey.alg, kid: this.signingKey.kid, typ: LAUNCH_SIGNATURE_TYPE });
  }
}

export type LaunchSignatureCheck = { ok: true; kid: string } | { ok: false; reason: string };

/** The claims whose mismatch is named in a refusal; the context and event id get their own wording. */
const COMPARED: Array<Exclude<keyof LaunchClaims, 'jti' | 'platformId' | 'contextId' | 'resourceLinkId'>> = ['userId', 'launchedAt', 'sealedServiceKeySha256', 'ags', 'lineItemId', 'nrps'];

/**
 * Checks a LaunchCaptured's `launchsignature` against the public keys given
 * (picked by `kid`), then that the signed claims are this event's. Every
 * refusal names why, in words safe to log and dead-letter.
 */
export class LaunchSignatureVerifier {
  private readonly keys: ReadonlyMap<string, LaunchSigningKey>;

  constructor(trusted: readonly LaunchSigningKey[]) {
    this.keys = new Map(trusted.map((k) => [k.kid, k]));
  }

  async verify(event: LaunchCapturedEvent): Promise<LaunchSignatureCheck> {
    const jws = event.launchsignature;
    if (!jws) return refuse('unsigned: the event carries no launchsignature');
    let header: ProtectedHeaderParameters;
    try {
      header = decodeProtectedHeader(jws);
    } catch {
      return refuse('launchsignature is not a compact JWS with a readable protected header');
    }
    if (header.typ !== LAUNCH_SIGNATURE_TYPE) return refuse(`launchsignature has typ ${String(header.typ)}, not ${LAUNCH_SIGNATURE_TYPE}`);
    const key = typeof header.kid === 'string' ? this.keys.get(header.kid) : undefined;
    if (!key) return refuse(`launchsignature was made with a key that is not trusted (kid ${String(header.kid)}; trusted: ${[...this.keys.keys()].join(', ')})`);
    let payload: Uint8Array;
    try {
      ({ payload } = await compactVerify(jws, key.key, { algorithms: [key.alg] }));
    } catch (error) {
      const code = (error as { code?: string }).code;
      return refuse(`launchsignature does not verify: ${code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' ? 'it was altered, or made with another key' : code === 'ERR_JOSE_ALG_NOT_ALLOWED' ? `only ${key.alg} is accepted for kid ${key.kid}` : 'it is not a valid JWS'}`);
    }
    let signed: Partial<LaunchClaims>;
    try {
      signed = JSON.parse(new TextDecoder().decode(payload)) as Partial<LaunchClaims>;
    } catch {
      return refuse('launchsignature payload is not JSON');
    }
    return compareClaims(signed, launchClaimsOf(event), key.kid);
  }
}

function compareClaims(signed: Partial<LaunchClaims>, actual: LaunchClaims, kid: string): LaunchSignatureCheck {
  if (signed.platformId !== actual.platformId || signed.contextId !== actual.contextId || signed.resourceLinkId !== actual.resourceLinkId) {
    const named = contextKey({ platformId: String(signed.platformId), contextId: String(signed.contextId), resourceLinkId: String(signed.resourceLinkId) });
    return refuse(`signed payload is for context ${named}, not the event's ${contextKey(actual)}`);
  }
  if (signed.jti !== actual.jti) return refuse(`signed payload is for event ${String(signed.jti)}, not this event's ${actual.jti}`);
  for (const claim of COMPARED) {
    if (signed[claim] !== actual[claim]) return refuse(`signed payload's ${claim} differs from the event's`);
  }
  return { ok: true, kid };
}

function refuse(reason: string): LaunchSignatureCheck {
  return { ok: false, reason };
}
