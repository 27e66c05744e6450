import { z } from 'zod';
import { jwkListSchema, jwkSchema, type CheckedJwk, type JwkRules } from './jwk-config';

/**
 * The vault's seal key pair: launch encrypts each serviceKey to the public
 * half (a compact JWE, ECDH-ES + A256GCM, the context triple in the
 * protected header); only the vault holds the private half.
 * P-256 (kty EC) or X25519 (kty OKP). `kid` is the JWE `kid`.
 */
export type SealKey = CheckedJwk;

const SEAL_RULES: JwkRules = {
  supports: (jwk) => (jwk.kty === 'EC' && jwk.crv === 'P-256' && jwk.y !== undefined) || (jwk.kty === 'OKP' && jwk.crv === 'X25519'),
  curves: 'a P-256 (kty EC) or X25519 (kty OKP)',
  notPrivate: 'is a private key; give launch only the public key',
};

/** `VAULT_SEAL_PUBLIC_JWK`: the public half, as JSON; a private key is refused (it belongs to the vault alone). Messages never echo the key. */
export const sealPublicJwkSchema: z.ZodType<SealKey, string> = jwkSchema('public', SEAL_RULES);

/**
 * `VAULT_SEAL_PRIVATE_JWK`: the vault's private seal key as JSON, or a JSON
 * array of them while the seal pair is rotated (the vault opens seals made
 * for any of them, picked by `kid`; launch seals to one public key at a time).
 */
export const sealPrivateKeysSchema: z.ZodType<SealKey[], string> = jwkListSchema('private', SEAL_RULES, { single: true });
