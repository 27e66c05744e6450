import { allowedRoute } from './proxy-routes';

describe('allowedRoute', () => {
  it('passes the operator endpoints the page uses to the upstream that owns them', () => {
    expect(allowedRoute('vault', 'POST', '/v1/token')).toBe('vault');
    expect(allowedRoute('vault', 'DELETE', '/v1/keys/ops-1')).toBe('vault');
    expect(allowedRoute('grading', 'GET', '/v1/operator/learners')).toBe('grading');
    expect(allowedRoute('grading', 'POST', '/v1/dead-letters/42/retry')).toBe('grading');
    expect(allowedRoute('grading', 'GET', '/health/sync')).toBe('grading');
  });

  it('refuses anything else: other upstreams, other methods, other paths, climbing out', () => {
    expect(allowedRoute('launch', 'GET', '/launch')).toBeUndefined();
    expect(allowedRoute('vault', 'POST', '/v1/credentials/resolve')).toBeUndefined();
    expect(allowedRoute('vault', 'GET', '/v1/keys/../credentials/resolve')).toBeUndefined();
    expect(allowedRoute('vault', 'DELETE', '/v1/keys/..%2f..%2fmetrics')).toBeUndefined();
    expect(allowedRoute('grading', 'POST', '/v1/scores')).toBeUndefined();
    expect(allowedRoute('grading', 'DELETE', '/v1/dead-letters/1/retry')).toBeUndefined();
    expect(allowedRoute('grading', 'GET', '/metrics')).toBeUndefined();
  });
});
