import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * API keys look like `ltig_<43 base62 chars: 256 random bits><6 base62 chars: CRC32>`.
 * The fixed prefix lets secret scanners spot a leaked key; the checksum lets
 * the vault refuse a mistyped or made-up key without touching the database.
 * Keys are 256-bit random, so a fast keyed hash is the right stored form
 * (ApiKeyPepper): nothing to brute-force, and no slow hash on the
 * token-exchange path.
 */
export const API_KEY_PREFIX = 'ltig_';
const BODY_LENGTH = 43; // 62^43 > 2^256
const CHECKSUM_LENGTH = 6; // 62^6 > 2^32
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const API_KEY_SHAPE = new RegExp(`^${API_KEY_PREFIX}[0-9A-Za-z]{${BODY_LENGTH + CHECKSUM_LENGTH}}$`);
/** How much of a key is shown in listings and logs: the prefix and 8 random characters. */
export const DISPLAY_PREFIX_LENGTH = API_KEY_PREFIX.length + 8;

export function generateApiKey(): string {
  const body = base62(BigInt(`0x${randomBytes(32).toString('hex')}`), BODY_LENGTH);
  return `${API_KEY_PREFIX}${body}${checksum(API_KEY_PREFIX + body)}`;
}

/** Whether a presented string is shaped like one of our keys and its checksum matches. */
export function isWellFormedApiKey(presented: string): boolean {
  if (!API_KEY_SHAPE.test(presented)) return false;
  const split = presented.length - CHECKSUM_LENGTH;
  return checksum(presented.slice(0, split)) === presented.slice(split);
}

export function displayPrefix(key: string): string {
  return key.slice(0, DISPLAY_PREFIX_LENGTH);
}

function checksum(value: string): string {
  return base62(BigInt(crc32(value)), CHECKSUM_LENGTH);
}

function base62(value: bigint, length: number): string {
  let out = '';
  let rest = value;
  while (rest > 0n) {
    out = ALPHABET[Number(rest % 62n)] + out;
    rest /= 62n;
  }
  return out.padStart(length, '0');
}
