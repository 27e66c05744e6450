import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from '@app/config';
import { z } from 'zod';
import { formatMasterKeys, masterKeysSchema } from './master-keys';

const schema = z.object({ VAULT_MASTER_KEYS: masterKeysSchema });
const parse = (value: string) => loadConfig(schema, { VAULT_MASTER_KEYS: value }).VAULT_MASTER_KEYS;
const b64 = (n = 32) => randomBytes(n).toString('base64');

describe('VAULT_MASTER_KEYS', () => {
  it('parses id:base64key pairs in order, the first active', () => {
    const a = randomBytes(32);
    const b = randomBytes(32);
    const keys = parse(` k2:${a.toString('base64')} , k1:${b.toString('base64url')}`);
    expect(keys.map((k) => k.id)).toEqual(['k2', 'k1']);
    expect(keys[0].key.equals(a)).toBe(true);
    expect(keys[1].key.equals(b)).toBe(true);
  });

  it('round-trips through formatMasterKeys', () => {
    const keys = [{ id: 'a', key: randomBytes(32) }];
    expect(parse(formatMasterKeys(keys))[0].key.equals(keys[0].key)).toBe(true);
  });

  it.each([
    ['', /at least one key/],
    ['nokey', /entry 1: must be id:base64key/],
    [`bad id:${b64()}`, /entry 1: must be id:base64key/],
    [`k1:${b64(16)}`, /entry 1 \("k1"\): key must be base64 that decodes to 32 bytes \(got 16\)/],
    [`k1:${b64()},k2:***`, /entry 2 \("k2"\): key must be base64/],
    [`k1:${b64()},k1:${b64()}`, /key id "k1" appears more than once/],
  ])('refuses %j naming the variable', (value, message) => {
    expect(() => parse(value)).toThrow(ConfigError);
    expect(() => parse(value)).toThrow(/VAULT_MASTER_KEYS/);
    expect(() => parse(value)).toThrow(message);
  });

  it('never echoes key material in its message', () => {
    const material = b64(31);
    try {
      parse(`k1:${material}`);
    } catch (error) {
      expect((error as Error).message).not.toContain(material);
    }
  });
});
