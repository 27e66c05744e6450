import { createHash, createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';

/**
 * Key pairs that travel in environment variables as JSON Web Keys (the seal
 * pair, launch's signing pair): read, checked and named the same way, so a
 * bad key stops the app with one line that never echoes it.
 */
export interface CheckedJwk {
  /** The key's own members, checked: public or private as asked. */
  jwk: JsonWebKey;
  key: KeyObject;
  /** RFC 7638 thumbprint of the public half: the same on both sides with no one to keep them in step. */
  kid: string;
}

export type JwkHalf = 'public' | 'private';

/** Which curves a pair may use, and what a refusal says. */
export interface JwkRules {
  supports(jwk: JwkShape): boolean;
  /** With its article, e.g. "a P-256 (kty EC) or X25519 (kty OKP)". */
  curves: string;
  /** Said when a private key is given where only the public one belongs. */
  notPrivate: string;
}

const jwkShape = z.looseObject({ kty: z.enum(['EC', 'OKP']), crv: z.string(), x: z.string(), y: z.string().optional(), d: z.string().optional() });
export type JwkShape = z.infer<typeof jwkShape>;

/** One JWK, as JSON. */
export function jwkSchema(half: JwkHalf, rules: JwkRules) {
  return z.string().transform((value, ctx): CheckedJwk => {
    const parsed = parseJson(value, ctx, 'must be a JSON Web Key (JSON)');
    return (parsed.ok && checkedJwk(parsed.value, half, rules, ctx)) || z.NEVER;
  });
}

/**
 * Several JWKs while a pair is rotated, picked by `kid`: a JSON array, a JWKS
 * object (`{"keys": [...]}`), or (with `single`) one JWK on its own.
 */
export function jwkListSchema(half: JwkHalf, rules: JwkRules, { single = false } = {}) {
  const shape = single ? 'a JSON Web Key, or a JSON array of them' : `a JSON array of ${half} JSON Web Keys`;
  return z.string().transform((value, ctx): CheckedJwk[] => {
    const parsed = parseJson(value, ctx, `must be ${shape}`);
    if (!parsed.ok) return z.NEVER;
    const holder = parsed.value as { keys?: unknown } | null;
    const list = Array.isArray(parsed.value)
      ? (parsed.value as unknown[])
      : holder && typeof holder === 'object' && Array.isArray(holder.keys)
        ? (holder.keys as unknown[])
        : single
          ? [parsed.value]
          : undefined;
    if (!list) {
      ctx.addIssue({ code: 'custom', message: `must be ${shape}` });
      return z.NEVER;
    }
    if (list.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'must hold at least one key' });
      return z.NEVER;
    }
    const keys: CheckedJwk[] = [];
    for (const [i, item] of list.entries()) {
      const key = checkedJwk(item, half, rules, ctx, list.length > 1 || !single ? `entry ${i + 1}: ` : '');
      if (!key) return z.NEVER;
      keys.push(key);
    }
    if (new Set(keys.map((k) => k.kid)).size !== keys.length) {
      ctx.addIssue({ code: 'custom', message: 'holds the same key twice' });
      return z.NEVER;
    }
    return keys;
  });
}

function parseJson(value: string, ctx: z.RefinementCtx, message: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(value) };
  } catch {
    ctx.addIssue({ code: 'custom', message });
    return { ok: false };
  }
}

function checkedJwk(parsed: unknown, half: JwkHalf, rules: JwkRules, ctx: z.RefinementCtx, where = ''): CheckedJwk | undefined {
  const fail = (message: string): undefined => {
    ctx.addIssue({ code: 'custom', message: `${where}${message}` });
    return undefined;
  };
  const jwk = jwkShape.safeParse(parsed);
  if (!jwk.success || !rules.supports(jwk.data)) return fail(`must be ${rules.curves} ${half} JWK`);
  if (half === 'public' && jwk.data.d !== undefined) return fail(rules.notPrivate);
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

function thumbprint(jwk: JsonWebKey): string {
  const members = jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}
