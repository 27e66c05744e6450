import { createHash, createPrivateKey, createPublicKey, type JsonWebKey } from 'node:crypto';
import { z } from 'zod';

/**
 * The vault's seal key pair: launch encrypts each serviceKey to the public
 * half (a compact JWE, ECDH-ES + A256GCM), only the vault holds the private
 * half. P-256 (kty EC) or X25519 (kty OKP).
 */
export interface SealPrivateKey {
  /** The private JWK (checked here), for jose to import once at boot. */
  jwk: JsonWebKey;
  /** RFC 7638 thumbprint of the public key, the JWE `kid` launch sends. */
  kid: string;
}

const jwkShape = z.looseObject({ kty: z.enum(['EC', 'OKP']), crv: z.string(), x: z.string(), y: z.string().optional(), d: z.string().optional() });

/** `VAULT_SEAL_PRIVATE_JWK`: a private P-256 or X25519 JWK as JSON. Messages never echo the key. */
export const sealPrivateJwkSchema = z.string().transform((value, ctx): SealPrivateKey => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a JSON Web Key (JSON)' });
    return z.NEVER;
  }
  const jwk = jwkShape.safeParse(parsed);
  if (!jwk.success || !isSupported(jwk.data.kty, jwk.data.crv)) {
    ctx.addIssue({ code: 'custom', message: 'must be a P-256 (kty EC) or X25519 (kty OKP) JWK' });
    return z.NEVER;
  }
  if (!jwk.data.d) {
    ctx.addIssue({ code: 'custom', message: 'must be the private key (it has no "d")' });
    return z.NEVER;
  }
  try {
    const key = createPrivateKey({ key: jwk.data as JsonWebKey, format: 'jwk' });
    const publicJwk = createPublicKey(key).export({ format: 'jwk' });
    return { jwk: jwk.data as JsonWebKey, kid: jwkThumbprint(publicJwk) };
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not a valid key for its curve' });
    return z.NEVER;
  }
});

function isSupported(kty: string, crv: string): boolean {
  return (kty === 'EC' && crv === 'P-256') || (kty === 'OKP' && crv === 'X25519');
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url) of a public EC or OKP key. */
export function jwkThumbprint(jwk: JsonWebKey): string {
  const members = jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}
