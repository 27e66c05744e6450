import { LtiaasError } from './ltiaas.error';
import { decodeExtraLayer, isAbsoluteHttpUrl } from './validation';

export interface Page<T> {
  items: T[];
  /** Offset of the next page, when items remain. */
  nextFrom?: number;
}

export function slicePage<T>(all: readonly T[], from: number, size: number): Page<T> {
  const items = all.slice(from, from + size);
  return from + size < all.length ? { items, nextFrom: from + size } : { items };
}

/** A paging link of the emulated LMS; `base` may carry its own query (`?type_id=1`). */
export function pageUrl(base: string, params: Record<string, string | number | undefined>): string {
  const url = new URL(base);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  return url.toString();
}

/**
 * Reads a `?url=` page link back (reference §4). It must be one this caller's
 * context was given: a link of another context is a credential used outside
 * its context.
 */
export function readPageUrl(raw: string, expectedBase: string): URLSearchParams {
  const text = decodeExtraLayer(raw, isAbsoluteHttpUrl);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw LtiaasError.validation('Invalid query: url: expected an absolute page URL', [{ path: 'url', message: 'invalid URL' }]);
  }
  const expected = new URL(expectedBase);
  if (url.origin !== expected.origin || url.pathname !== expected.pathname) throw LtiaasError.invalidCredential();
  return url.searchParams;
}

/** A non-negative offset from a page link. */
export function offsetParam(params: URLSearchParams, name: string): number {
  const text = params.get(name) ?? '0';
  if (!/^\d+$/.test(text)) {
    throw LtiaasError.validation(`Invalid query: url: bad "${name}"`, [{ path: 'url', message: `bad ${name}` }]);
  }
  return Number(text);
}
