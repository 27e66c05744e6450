import { createHash, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';

/** The vault's public seal key: what every serviceKey is encrypted to before it leaves launch. */
export interface SealPublicKey {
  key: KeyObject;
  jwk: { kty: 'EC'; crv: 'P-256'; x: string; y: string } | { kty: 'OKP'; crv: 'X25519'; x: string };
  /** RFC 7638 thumbprint, sent as the JWE `kid` so the vault can tell which key a seal was made for. */
  kid: string;
}

const jwkShape = z.looseObject({ kty: z.enum(['EC', 'OKP']), crv: z.string(), x: z.string(), y: z.string().optional(), d: z.unknown().optional() });

/** `VAULT_SEAL_PUBLIC_JWK`: the vault's public P-256 or X25519 JWK as JSON; a private key is refused. */
export const sealPublicJwkSchema = z.string().transform((value, ctx): SealPublicKey => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a JSON Web Key (JSON)' });
    return z.NEVER;
  }
  const jwk = jwkShape.safeParse(parsed);
  const curveOk = jwk.success && ((jwk.data.kty === 'EC' && jwk.data.crv === 'P-256' && jwk.data.y) || (jwk.data.kty === 'OKP' && jwk.data.crv === 'X25519'));
  if (!jwk.success || !curveOk) {
    ctx.addIssue({ code: 'custom', message: 'must be a P-256 (kty EC) or X25519 (kty OKP) public JWK' });
    return z.NEVER;
  }
  if (jwk.data.d !== undefined) {
    // The private half belongs to the vault alone.
    ctx.addIssue({ code: 'custom', message: 'is a private key; give launch only the public key' });
    return z.NEVER;
  }
  const members = jwk.data.kty === 'EC' ? { kty: 'EC' as const, crv: 'P-256' as const, x: jwk.data.x, y: jwk.data.y! } : { kty: 'OKP' as const, crv: 'X25519' as const, x: jwk.data.x };
  try {
    const key = createPublicKey({ key: members as JsonWebKey, format: 'jwk' });
    return { key, jwk: members, kid: thumbprint(members) };
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not a valid public key for its curve' });
    return z.NEVER;
  }
});

function thumbprint(jwk: SealPublicKey['jwk']): string {
  const canonical = jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url');
}
