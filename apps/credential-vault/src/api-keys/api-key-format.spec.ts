import { API_KEY_PREFIX, displayPrefix, generateApiKey, isWellFormedApiKey } from './api-key-format';

describe('API key format', () => {
  it('makes distinct, recognisable keys that pass their own checksum', () => {
    const keys = Array.from({ length: 200 }, generateApiKey);
    expect(new Set(keys).size).toBe(keys.length);
    for (const key of keys) {
      expect(key).toMatch(/^ltig_[0-9A-Za-z]{49}$/);
      expect(isWellFormedApiKey(key)).toBe(true);
    }
  });

  it('rejects a key with one character mistyped, a truncated key and foreign strings', () => {
    const key = generateApiKey();
    const i = API_KEY_PREFIX.length + 10;
    const typo = key.slice(0, i) + (key[i] === 'a' ? 'b' : 'a') + key.slice(i + 1);
    expect(isWellFormedApiKey(typo)).toBe(false);
    expect(isWellFormedApiKey(key.slice(0, -1))).toBe(false);
    expect(isWellFormedApiKey(`${key}x`)).toBe(false);
    expect(isWellFormedApiKey(key.replace('ltig_', 'ghp__'))).toBe(false);
    expect(isWellFormedApiKey('')).toBe(false);
  });

  it('shows only a short prefix', () => {
    const key = generateApiKey();
    expect(displayPrefix(key)).toBe(key.slice(0, 13));
  });
});
