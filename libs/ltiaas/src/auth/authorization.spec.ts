import {
  ACCEPTED_SCHEMES,
  chooseAuthorization,
  DEFAULT_LTIK_SAFETY_MARGIN_MS,
  ENDPOINT_CLASSES,
  LTIK_LIFETIME_MS,
  type EndpointClass,
  type HeldCredentials,
} from './authorization';
import { LtiaasAuth } from './ltiaas-auth';
import { MissingCredentialError } from '../errors/ltiaas.exception';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const HOUR = 3_600_000;
const MARGIN = DEFAULT_LTIK_SAFETY_MARGIN_MS;
const API_KEY = 'api-key-1';
const LTIK = 'ltik.jwt.token';
const SERVICE_KEY = 'svc-key-1';

/**
 * Ltik ages around the 24-hour boundary. `live`: trusted for grade and roster
 * calls (younger than 24 h minus the margin). `valid`: not yet expired, so
 * still usable on launch-only endpoints, which have no fallback.
 */
const LTIK_AGES: Array<{ label: string; ageMs: number | null; live: boolean; valid: boolean }> = [
  { label: 'no ltik', ageMs: null, live: false, valid: false },
  { label: 'issued a minute in the future (clock skew)', ageMs: -60_000, live: true, valid: true },
  { label: 'just issued', ageMs: 0, live: true, valid: true },
  { label: '1 h old', ageMs: HOUR, live: true, valid: true },
  { label: '1 ms before the margin', ageMs: LTIK_LIFETIME_MS - MARGIN - 1, live: true, valid: true },
  { label: 'exactly at the margin', ageMs: LTIK_LIFETIME_MS - MARGIN, live: false, valid: true },
  { label: 'inside the margin', ageMs: LTIK_LIFETIME_MS - MARGIN / 2, live: false, valid: true },
  { label: '1 ms before 24 h', ageMs: LTIK_LIFETIME_MS - 1, live: false, valid: true },
  { label: 'exactly 24 h', ageMs: LTIK_LIFETIME_MS, live: false, valid: false },
  { label: '30 h old', ageMs: 30 * HOUR, live: false, valid: false },
];

const KIND_OF: Record<EndpointClass, 'launch-only' | 'grades-roster' | 'context-free'> = {
  idtoken: 'launch-only',
  'deep-linking': 'launch-only',
  'line-items': 'grades-roster',
  scores: 'grades-roster',
  results: 'grades-roster',
  memberships: 'grades-roster',
  registrations: 'context-free',
  platforms: 'context-free',
};

type Expected = string | { missing: MissingCredentialError['code'] };

function expected(endpoint: EndpointClass, apiKey: boolean, age: (typeof LTIK_AGES)[number], serviceKey: boolean): Expected {
  if (!apiKey) return { missing: 'NO_API_KEY' };
  switch (KIND_OF[endpoint]) {
    case 'context-free':
      return `Bearer ${API_KEY}`;
    case 'launch-only':
      if (age.ageMs === null) return { missing: 'NO_LTIK' };
      return age.valid ? `LTIK-AUTH-V2 ${API_KEY}:${LTIK}` : { missing: 'LTIK_EXPIRED' };
    case 'grades-roster':
      if (age.live) return `LTIK-AUTH-V2 ${API_KEY}:${LTIK}`;
      return serviceKey ? `SERVICE-AUTH-V1 ${API_KEY}:${SERVICE_KEY}` : { missing: 'NO_SERVICE_KEY_OR_LIVE_LTIK' };
  }
}

const cases = ENDPOINT_CLASSES.flatMap((endpoint) =>
  [true, false].flatMap((apiKey) =>
    LTIK_AGES.flatMap((age) =>
      [true, false].map((serviceKey) => ({ endpoint, apiKey, age, serviceKey, want: expected(endpoint, apiKey, age, serviceKey) })),
    ),
  ),
);

describe('chooseAuthorization', () => {
  it('has one row per endpoint class of the reference map, with the schemes it lists', () => {
    expect(ACCEPTED_SCHEMES).toEqual({
      idtoken: ['LTIK-AUTH-V2'],
      'deep-linking': ['LTIK-AUTH-V2'],
      'line-items': ['LTIK-AUTH-V2', 'SERVICE-AUTH-V1'],
      scores: ['LTIK-AUTH-V2', 'SERVICE-AUTH-V1'],
      results: ['LTIK-AUTH-V2', 'SERVICE-AUTH-V1'],
      memberships: ['LTIK-AUTH-V2', 'SERVICE-AUTH-V1'],
      registrations: ['Bearer'],
      platforms: ['Bearer'],
    });
    expect(cases).toHaveLength(ENDPOINT_CLASSES.length * 2 * LTIK_AGES.length * 2);
  });

  it.each(cases.map((c) => [c.endpoint, c.apiKey ? 'api key' : 'no api key', c.age.label, c.serviceKey ? 'serviceKey' : 'no serviceKey', c] as const))(
    '%s with %s, %s, %s',
    (_endpoint, _a, _l, _s, { endpoint, apiKey, age, serviceKey, want }) => {
      const held: HeldCredentials = {
        apiKey: apiKey ? API_KEY : undefined,
        ltik: age.ageMs === null ? undefined : { token: LTIK, issuedAt: NOW - age.ageMs },
        serviceKey: serviceKey ? SERVICE_KEY : undefined,
      };
      const choice = chooseAuthorization(endpoint, held, NOW);
      if (typeof want === 'string') {
        expect(choice).toEqual({ ok: true, scheme: want.split(' ')[0], header: want });
        expect((ACCEPTED_SCHEMES[endpoint] as readonly string[]).includes(want.split(' ')[0])).toBe(true);
      } else {
        expect(choice.ok).toBe(false);
        if (choice.ok) return;
        expect(choice.error).toBeInstanceOf(MissingCredentialError);
        expect(choice.error).toMatchObject({ kind: 'missing-credential', code: want.missing, endpoint });
      }
    },
  );

  it('treats empty strings as missing credentials', () => {
    expect(chooseAuthorization('scores', { apiKey: '', serviceKey: SERVICE_KEY }, NOW)).toMatchObject({ ok: false, error: { code: 'NO_API_KEY' } });
    const blank = chooseAuthorization('scores', { apiKey: API_KEY, ltik: { token: '', issuedAt: NOW }, serviceKey: '' }, NOW);
    expect(blank).toMatchObject({ ok: false, error: { code: 'NO_SERVICE_KEY_OR_LIVE_LTIK' } });
    expect(chooseAuthorization('idtoken', { apiKey: API_KEY, ltik: { token: '', issuedAt: NOW } }, NOW)).toMatchObject({ ok: false, error: { code: 'NO_LTIK' } });
  });

  it('accepts issuedAt as a Date', () => {
    const held = { apiKey: API_KEY, ltik: { token: LTIK, issuedAt: new Date(NOW - 2 * HOUR) }, serviceKey: SERVICE_KEY };
    expect(chooseAuthorization('memberships', held, NOW)).toMatchObject({ ok: true, scheme: 'LTIK-AUTH-V2' });
    held.ltik.issuedAt = new Date(NOW - LTIK_LIFETIME_MS);
    expect(chooseAuthorization('memberships', held, NOW)).toMatchObject({ ok: true, scheme: 'SERVICE-AUTH-V1' });
  });

  it.each([
    [0, LTIK_LIFETIME_MS - 1, 'LTIK-AUTH-V2'],
    [0, LTIK_LIFETIME_MS, 'SERVICE-AUTH-V1'],
    [HOUR, LTIK_LIFETIME_MS - HOUR - 1, 'LTIK-AUTH-V2'],
    [HOUR, LTIK_LIFETIME_MS - HOUR, 'SERVICE-AUTH-V1'],
  ])('honours a configured margin of %d ms (ltik %d ms old → %s)', (margin, age, scheme) => {
    const held = { apiKey: API_KEY, ltik: { token: LTIK, issuedAt: NOW - age }, serviceKey: SERVICE_KEY };
    expect(chooseAuthorization('scores', held, NOW, margin)).toMatchObject({ ok: true, scheme });
  });

  it('names the endpoint and the missing credential in the error, never a secret', () => {
    const choice = chooseAuthorization('scores', { apiKey: API_KEY, ltik: { token: LTIK, issuedAt: NOW - 30 * HOUR } }, NOW);
    if (choice.ok) throw new Error('expected a missing credential');
    expect(choice.error.message).toContain('scores');
    expect(choice.error.message).toContain('NO_SERVICE_KEY_OR_LIVE_LTIK');
    expect(choice.error.message).not.toContain(API_KEY);
    expect(choice.error.message).not.toContain(LTIK);
  });
});

describe('LtiaasAuth', () => {
  it('reads the injected clock on every call', () => {
    let now = NOW;
    const auth = new LtiaasAuth(API_KEY, { clock: { now: () => now }, ltikSafetyMarginMs: MARGIN });
    const cred = { ltik: { token: LTIK, issuedAt: NOW }, serviceKey: SERVICE_KEY };
    expect(auth.authorizationFor('scores', cred)).toBe(`LTIK-AUTH-V2 ${API_KEY}:${LTIK}`);
    now += LTIK_LIFETIME_MS - MARGIN;
    expect(auth.authorizationFor('scores', cred)).toBe(`SERVICE-AUTH-V1 ${API_KEY}:${SERVICE_KEY}`);
    expect(auth.authorizationFor('idtoken', cred)).toBe(`LTIK-AUTH-V2 ${API_KEY}:${LTIK}`);
    now = NOW + LTIK_LIFETIME_MS;
    expect(() => auth.authorizationFor('idtoken', cred)).toThrow(MissingCredentialError);
  });

  it('throws NO_API_KEY when the account key is not configured', () => {
    const auth = new LtiaasAuth(undefined);
    expect(() => auth.authorizationFor('platforms', {})).toThrow(expect.objectContaining({ code: 'NO_API_KEY' }));
  });
});
