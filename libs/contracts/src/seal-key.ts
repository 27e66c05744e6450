import { createHash, createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';

/**
 * The vault's seal key pair: launch encrypts each serviceKey to the public
 * half (a compact JWE, ECDH-ES + A256GCM, the context triple in the
 * protected header); only the vault holds the private half.
 * P-256 (kty EC) or X25519 (kty OKP).
 */
export interface SealKey {
  /** The JWK as given, checked: public in launch, private in the vault. */
  jwk: JsonWebKey;
  key: KeyObject;
  /** RFC 7638 thumbprint of the public half: the JWE `kid`, the same on both sides. */
  kid: string;
}

const jwkShape = z.looseObject({ kty: z.enum(['EC', 'OKP']), crv: z.string(), x: z.string(), y: z.string().optional(), d: z.string().optional() });

/** `VAULT_SEAL_PUBLIC_JWK`: the public half, as JSON; a private key is refused (it belongs to the vault alone). Messages never echo the key. */
export const sealPublicJwkSchema = z.string().transform((value, ctx): SealKey => {
  const parsed = parseJson(value, ctx, 'must be a JSON Web Key (JSON)');
  return (parsed.ok && checkedKey(parsed.value, 'public', ctx)) || z.NEVER;
});

/**
 * `VAULT_SEAL_PRIVATE_JWK`: the vault's private seal key as JSON, or a JSON
 * array of them while the seal pair is rotated (the vault opens seals made
 * for any of them, picked by `kid`; launch seals to one public key at a time).
 */
export const sealPrivateKeysSchema = z.string().transform((value, ctx): SealKey[] => {
  const parsed = parseJson(value, ctx, 'must be a JSON Web Key, or a JSON array of them');
  if (!parsed.ok) return z.NEVER;
  const list: unknown[] = Array.isArray(parsed.value) ? parsed.value : [parsed.value];
  if (list.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'must hold at least one key' });
    return z.NEVER;
  }
  const keys: SealKey[] = [];
  for (const [i, item] of list.entries()) {
    const key = checkedKey(item, 'private', ctx, list.length > 1 ? `entry ${i + 1}: ` : '');
    if (!key) return z.NEVER;
    keys.push(key);
  }
  if (new Set(keys.map((k) => k.kid)).size !== keys.length) {
    ctx.addIssue({ code: 'custom', message: 'holds the same key twice' });
    return z.NEVER;
  }
  return keys;
});

function parseJson(value: string, ctx: z.RefinementCtx, message: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(value) };
  } catch {
    ctx.addIssue({ code: 'custom', message });
    return { ok: false };
  }
}

function checkedKey(parsed: unknown, half: 'public' | 'private', ctx: z.RefinementCtx, where = ''): SealKey | undefined {
  const fail = (message: string): undefined => {
    ctx.addIssue({ code: 'custom', message: `${where}${message}` });
    return undefined;
  };
  const jwk = jwkShape.safeParse(parsed);
  if (!jwk.success || !isSupported(jwk.data)) return fail(`must be a P-256 (kty EC) or X25519 (kty OKP) ${half} JWK`);
  if (half === 'public' && jwk.data.d !== undefined) return fail('is a private key; give launch only the public key');
  if (half === 'private' && !jwk.data.d) return fail('must be the private key (it has no "d")');
  try {
    // Only the key's own members: Node refuses a JWK with others (key_ops, ext…).
    const { kty, crv, x, y, d } = jwk.data;
    const members: JsonWebKey = { kty, crv, x, ...(y !== undefined ? { y } : {}), ...(half === 'private' ? { d } : {}) };
    const key = half === 'private' ? createPrivateKey({ key: members, format: 'jwk' }) : createPublicKey({ key: members, format: 'jwk' });
    const publicKey = half === 'private' ? createPublicKey(key) : key;
    return { jwk: members, key, kid: thumbprint(publicKey.export({ format: 'jwk' })) };
  } catch {
    return fail(`is not a valid ${half} key for its curve`);
  }
}

function isSupported(jwk: z.infer<typeof jwkShape>): boolean {
  return (jwk.kty === 'EC' && jwk.crv === 'P-256' && jwk.y !== undefined) || (jwk.kty === 'OKP' && jwk.crv === 'X25519');
}

function thumbprint(jwk: JsonWebKey): string {
  const members = jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}
