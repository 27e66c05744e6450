import { LtiaasError, ConnectionResetSignal } from '../common/ltiaas.error';
import { EmulatorConfig } from '../config/emulator.config';
import { Counters } from '../inspection/counters';
import { EmulatorUrls } from '../lms/emulator-urls';
import { RegistryStore } from '../lms/registry.store';
import { FaultEngine } from './fault.engine';
import { FaultsConfigInput, FaultsConfigSchema } from './fault-config';
import { EmulatorClock } from '../clock/clock';

const config = { seed: 7, faults: { rules: [] } } as unknown as EmulatorConfig;

function engine() {
  const clock = new EmulatorClock();
  const registry = new RegistryStore(new EmulatorUrls());
  const faults = new FaultEngine(config, clock, registry, new Counters());
  return { faults, clock, registry };
}

const headers = () => {
  const set = new Map<string, string>();
  return { set, header: (k: string, v: string) => set.set(k, v) };
};

function outcomes(faults: FaultEngine, n: number, platform = 'p1'): Array<number | string | null> {
  return Array.from({ length: n }, () => {
    const { failure } = faults.evaluate('scores.post', platform, headers());
    if (failure instanceof LtiaasError) return failure.status;
    return failure instanceof ConnectionResetSignal ? 'reset' : null;
  });
}

const configure = (faults: FaultEngine, c: FaultsConfigInput) => faults.configure(FaultsConfigSchema.parse(c));

describe('FaultEngine', () => {
  const mixed: FaultsConfigInput = {
    seed: 42,
    rules: [
      { kind: 'http-error', status: 503, probability: 0.2 },
      { kind: 'too-many-requests', probability: 0.2, retryAfterSeconds: 3 },
      { kind: 'connection-reset', probability: 0.05 },
    ],
  };

  it('repeats the same faults for the same seed and request sequence', () => {
    const a = engine();
    const b = engine();
    configure(a.faults, mixed);
    configure(b.faults, mixed);
    const first = outcomes(a.faults, 200);
    expect(outcomes(b.faults, 200)).toEqual(first);
    expect(first.filter((s) => s === 503).length).toBeGreaterThan(10);
    expect(first).toContain(429);
    configure(a.faults, { ...mixed, seed: 43 });
    expect(outcomes(a.faults, 200)).not.toEqual(first);
  });

  it('honours after, times, and endpoint and platform scopes', () => {
    const { faults } = engine();
    configure(faults, { rules: [{ kind: 'http-error', status: 500, after: 2, times: 3, platforms: ['p1'], endpoints: ['scores.*'] }] });
    expect(outcomes(faults, 7)).toEqual([null, null, 500, 500, 500, null, null]);
    expect(outcomes(faults, 2, 'p2')).toEqual([null, null]);
    expect(faults.evaluate('memberships', 'p1', headers()).failure).toBeNull();
  });

  it('sends Retry-After as seconds or as an HTTP date', () => {
    const { faults, clock } = engine();
    configure(faults, { rules: [{ kind: 'too-many-requests', retryAfterSeconds: 5, retryAfterFormat: 'http-date' }] });
    const failure = faults.evaluate('scores.post', 'p1', headers()).failure as LtiaasError;
    expect(failure.status).toBe(429);
    expect(failure.body().details.externalError).toBe(true);
    expect(new Date(failure.headers['Retry-After']).getTime()).toBeGreaterThan(clock.now());
  });

  it('adds fixed and random latency without failing', () => {
    const { faults } = engine();
    configure(faults, { rules: [{ kind: 'latency', ms: 20 }, { kind: 'latency', minMs: 5, maxMs: 10 }] });
    const { delayMs, failure } = faults.evaluate('idtoken', null, headers());
    expect(failure).toBeNull();
    expect(delayMs).toBeGreaterThanOrEqual(25);
    expect(delayMs).toBeLessThanOrEqual(30);
  });

  it('rate-limits per platform with a token bucket and reports what is left', () => {
    const { faults, registry, clock } = engine();
    registry.configure('p1', { rateLimit: { perSecond: 2, burst: 3, style: '429' } });
    const sink = headers();
    const statuses = [1, 2, 3, 4].map(() => (faults.evaluate('scores.post', 'p1', sink).failure as LtiaasError | null)?.status ?? 200);
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(sink.set.get('X-Rate-Limit-Remaining')).toBe('0');
    expect(faults.evaluate('scores.post', 'p2', headers()).failure).toBeNull();
    clock.advance(500);
    expect(faults.evaluate('scores.post', 'p1', headers()).failure).toBeNull();
  });

  it('gives LTIAAS named errors in the plain envelope', () => {
    const { faults } = engine();
    configure(faults, { rules: [{ kind: 'ltiaas-error', code: 'INACTIVE_SERVICE' }] });
    const failure = faults.evaluate('memberships', 'p1', headers()).failure as LtiaasError;
    expect(failure.body()).toEqual({
      status: 403,
      error: 'Forbidden',
      details: { message: 'INACTIVE_SERVICE', description: expect.any(String) },
    });
  });

  it('refuses rules naming endpoints that do not exist', () => {
    expect(FaultsConfigSchema.safeParse({ rules: [{ kind: 'connection-reset', endpoints: ['score.post'] }] }).success).toBe(false);
  });
});
