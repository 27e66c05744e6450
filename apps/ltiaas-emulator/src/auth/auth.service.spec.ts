import { Clock } from '../clock/clock';
import { LtiaasError } from '../common/ltiaas.error';
import { EmulatorConfig } from '../config/emulator.config';
import { AuthService } from './auth.service';
import { CredentialsStore } from './credentials.store';

const KEY = 'k:with:colons';
const context = { platformId: 'p', contextId: 'c', resourceLinkId: 'r', services: { ags: true, nrps: true, deepLinking: false } };

/** Time that moves only when told: the 24-hour edge is checked to the millisecond, however slow the machine. */
class StillClock extends Clock {
  private at = Date.parse('2026-01-01T00:00:00Z');

  now(): number {
    return this.at;
  }

  advance(ms: number): void {
    this.at += ms;
  }
}

function setup() {
  const clock = new StillClock();
  const credentials = new CredentialsStore();
  const auth = new AuthService({ apiKey: KEY } as EmulatorConfig, credentials, clock);
  const launch = credentials.issueLtik({ ...context, issuedAt: clock.now(), userId: 'u', roles: [], targetUrl: 'http://t' });
  const serviceKey = credentials.issueServiceKey(context, clock.now()).key;
  return { clock, credentials, auth, ltik: launch.ltik, serviceKey };
}

function refusal(fn: () => unknown): LtiaasError {
  try {
    fn();
  } catch (err) {
    if (err instanceof LtiaasError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('AuthService', () => {
  it('accepts each scheme where it is allowed', () => {
    const { auth, ltik, serviceKey } = setup();
    expect(auth.authenticate(`LTIK-AUTH-V2 ${KEY}:${ltik}`, ['LTIK', 'SVC'])).toMatchObject({ scheme: 'LTIK', contextId: 'c' });
    expect(auth.authenticate(`SERVICE-AUTH-V1 ${KEY}:${serviceKey}`, ['LTIK', 'SVC'])).toMatchObject({ scheme: 'SVC', resourceLinkId: 'r' });
    expect(auth.authenticate(`Bearer ${KEY}`, ['BEARER'])).toEqual({ scheme: 'BEARER' });
  });

  it('refuses a scheme the endpoint does not take, a wrong key, and near-miss spellings', () => {
    const { auth, ltik, serviceKey } = setup();
    const bad = [
      [`SERVICE-AUTH-V1 ${KEY}:${serviceKey}`, ['LTIK']],
      [`Bearer ${KEY}`, ['LTIK', 'SVC']],
      [`LTIK-AUTH-V2 wrong:${ltik}`, ['LTIK']],
      [`LTIK-AUTH-V2  ${KEY}:${ltik}`, ['LTIK']],
      [`ltik-auth-v2 ${KEY}:${ltik}`, ['LTIK']],
      [`LTIK-AUTH-V1 Token=${ltik}, Additional=Bearer ${KEY}`, ['LTIK']],
      [undefined, ['LTIK']],
    ] as const;
    for (const [header, schemes] of bad) {
      expect(refusal(() => auth.authenticate(header, schemes)).body().details.message).toBe('INVALID_LTIK_AUTH_AUTHORIZATION_HEADER');
    }
    expect(refusal(() => auth.authenticate('Bearer nope', ['BEARER'])).body().details.description).toBe('Invalid API key');
  });

  it('expires an ltik 24 hours after its launch', () => {
    const { auth, ltik, clock } = setup();
    clock.advance(24 * 3600 * 1000 - 1);
    expect(auth.authenticate(`LTIK-AUTH-V2 ${KEY}:${ltik}`, ['LTIK']).scheme).toBe('LTIK');
    clock.advance(1);
    expect(refusal(() => auth.authenticate(`LTIK-AUTH-V2 ${KEY}:${ltik}`, ['LTIK'])).status).toBe(401);
  });

  it('refuses a revoked serviceKey but keeps it forever otherwise', () => {
    const { auth, serviceKey, credentials, clock } = setup();
    clock.advance(365 * 24 * 3600 * 1000);
    expect(auth.authenticate(`SERVICE-AUTH-V1 ${KEY}:${serviceKey}`, ['SVC']).scheme).toBe('SVC');
    credentials.revokeServiceKey(serviceKey);
    expect(refusal(() => auth.authenticate(`SERVICE-AUTH-V1 ${KEY}:${serviceKey}`, ['SVC'])).body()).toEqual({
      status: 401,
      error: 'Unauthorized',
      details: { message: 'INVALID_LTIK_AUTH_AUTHORIZATION_HEADER', description: 'Invalid or expired ltik.' },
    });
  });
});
