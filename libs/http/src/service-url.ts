/**
 * `path` under a service's base URL, keeping any path prefix the base has
 * (a vault behind `https://gateway/vault`), which `new URL('/x', base)` drops.
 */
export function serviceUrl(base: string, path: string): URL {
  const root = base.endsWith('/') ? base : `${base}/`;
  return new URL(path.replace(/^\/+/, ''), root);
}
