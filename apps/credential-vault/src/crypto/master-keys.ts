import { z } from 'zod';

export interface MasterKey {
  id: string;
  /** 32 bytes of AES-256 key material. */
  key: Buffer;
}

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * `VAULT_MASTER_KEYS`: `id:base64key,id:base64key,...`, each key 32 bytes.
 * The first encrypts; every one decrypts, so rotation is: put the new key
 * first, keep the old ones, run `npm run rewrap`, then drop the old ones.
 * Messages name the entry, never the key material.
 */
export const masterKeysSchema = z.string().transform((value, ctx): MasterKey[] => {
  const entries = value.split(',').map((e) => e.trim()).filter(Boolean);
  if (entries.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'must list at least one key as id:base64key' });
    return z.NEVER;
  }
  const keys: MasterKey[] = [];
  for (const [index, entry] of entries.entries()) {
    const colon = entry.indexOf(':');
    const id = colon === -1 ? '' : entry.slice(0, colon);
    const material = colon === -1 ? '' : entry.slice(colon + 1);
    const where = `entry ${index + 1}${KEY_ID.test(id) ? ` ("${id}")` : ''}`;
    if (!KEY_ID.test(id)) {
      ctx.addIssue({ code: 'custom', message: `${where}: must be id:base64key with an id of 1-64 letters, digits, '.', '_' or '-'` });
      return z.NEVER;
    }
    const key = BASE64.test(material) ? Buffer.from(material, material.includes('-') || material.includes('_') ? 'base64url' : 'base64') : Buffer.alloc(0);
    if (key.length !== 32) {
      ctx.addIssue({ code: 'custom', message: `${where}: key must be base64 that decodes to 32 bytes (got ${key.length})` });
      return z.NEVER;
    }
    if (keys.some((k) => k.id === id)) {
      ctx.addIssue({ code: 'custom', message: `${where}: key id "${id}" appears more than once` });
      return z.NEVER;
    }
    keys.push({ id, key });
  }
  return keys;
});

/** Formats keys back into the variable's syntax (for generated local environments). */
export function formatMasterKeys(keys: ReadonlyArray<{ id: string; key: Buffer }>): string {
  return keys.map((k) => `${k.id}:${k.key.toString('base64')}`).join(',');
}
