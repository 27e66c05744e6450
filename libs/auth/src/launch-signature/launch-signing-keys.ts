import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { jwkListSchema, jwkSchema, type CheckedJwk, type JwkRules, type JwkShape } from '@app/contracts';

/** The JWS algorithm of a launch signing key: Ed25519 (kty OKP) signs EdDSA, P-256 (kty EC) signs ES256. */
export type LaunchSigningAlgorithm = 'EdDSA' | 'ES256';

/**
 * One half of launch's signing pair: launch holds the private key and signs
 * every LaunchCaptured with it; the vault and grading hold the public keys.
 */
export interface LaunchSigningKey {
  key: KeyObject;
  alg: LaunchSigningAlgorithm;
  /** RFC 7638 thumbprint of the public half: the JWS `kid`, the same on both sides with no one to keep them in step. */
  kid: string;
}

const SIGNING_RULES: JwkRules = {
  supports: (jwk) => algorithmOf(jwk) !== undefined,
  curves: 'an Ed25519 (kty OKP) or P-256 (kty EC)',
  notPrivate: 'is a private key; give the vault and grading only public keys',
};

/** `LAUNCH_SIGNING_PRIVATE_JWK`: launch's private signing key, as JSON. Messages never echo the key. */
export const launchSigningPrivateJwkSchema = jwkSchema('private', SIGNING_RULES).transform(signingKey);

/**
 * `LAUNCH_SIGNING_PUBLIC_JWKS`: the public keys whose signatures are
 * believed, as a JSON array (or a JWKS object `{"keys": [...]}`), so that a
 * new pair can be trusted before launch signs with it and the old one kept
 * until its events are consumed.
 */
export const launchSigningPublicJwksSchema = jwkListSchema('public', SIGNING_RULES).transform((keys) => keys.map(signingKey));

function signingKey({ key, kid, jwk }: CheckedJwk): LaunchSigningKey {
  return { key, kid, alg: algorithmOf(jwk as JwkShape)! };
}

function algorithmOf(jwk: Pick<JwkShape, 'kty' | 'crv' | 'y'>): LaunchSigningAlgorithm | undefined {
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  if (jwk.kty === 'EC' && jwk.crv === 'P-256' && jwk.y !== undefined) return 'ES256';
  return undefined;
}
