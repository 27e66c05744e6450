export type Upstream = 'vault' | 'grading';

interface Route {
  method: string;
  path: RegExp;
}

/**
 * What the browser may reach through the console, and nothing else: the
 * console is not an open relay into the cluster, so a page (or anyone who can
 * reach the console) gets only the operator endpoints the page uses. Each
 * upstream still checks the token and its scope.
 */
const ROUTES: Record<Upstream, Route[]> = {
  vault: [
    { method: 'POST', path: /^\/v1\/token$/ },
    { method: 'GET', path: /^\/v1\/me$/ },
    { method: 'GET', path: /^\/v1\/keys$/ },
    { method: 'POST', path: /^\/v1\/keys$/ },
    { method: 'DELETE', path: /^\/v1\/keys\/[a-z0-9-]{3,64}$/ },
  ],
  grading: [
    { method: 'GET', path: /^\/health\/sync$/ },
    { method: 'GET', path: /^\/v1\/operator\/[a-z-]+$/ },
    { method: 'GET', path: /^\/v1\/dead-letters$/ },
    { method: 'POST', path: /^\/v1\/dead-letters\/\d{1,19}\/retry$/ },
    { method: 'GET', path: /^\/v1\/sync\/runs(\/\d{1,19})?$/ },
  ],
};

export const UPSTREAMS = Object.keys(ROUTES) as Upstream[];

/** The upstream path for `/api/<upstream><path>`, or undefined when the console does not pass it on. */
export function allowedRoute(upstream: string, method: string, path: string): Upstream | undefined {
  if (!(UPSTREAMS as string[]).includes(upstream)) return undefined;
  const routes = ROUTES[upstream as Upstream];
  return routes.some((r) => r.method === method && r.path.test(path)) ? (upstream as Upstream) : undefined;
}
