import { jobCheck, limited } from './sync-status.service';

const at = (iso: string) => new Date(iso);
const now = Date.parse('2026-01-10T12:00:00Z');

describe('sync status checks', () => {
  it('a job is up while its last success is younger than the limit', () => {
    const check = jobCheck({ lastSucceededAt: at('2026-01-10T02:00:30Z'), firstStartedAt: at('2026-01-01T02:00:00Z'), running: false }, 26 * 3600, now, at('2026-01-09T00:00:00Z'));
    expect(check).toEqual({ ok: true, lastSucceededAt: '2026-01-10T02:00:30.000Z', ageSeconds: 35970, maxAgeSeconds: 93600, running: false });
  });

  it('says how old the last success is when it is too old', () => {
    const check = jobCheck({ lastSucceededAt: at('2026-01-08T02:00:00Z'), firstStartedAt: at('2026-01-01T02:00:00Z'), running: true }, 26 * 3600, now, at('2026-01-09T00:00:00Z'));
    expect(check).toMatchObject({ ok: false, reason: 'last succeeded 208800 s ago (limit 93600 s)', running: true });
  });

  it('a job that never succeeded is measured from its first try', () => {
    const check = jobCheck({ lastSucceededAt: null, firstStartedAt: at('2026-01-08T02:00:00Z'), running: false }, 26 * 3600, now, at('2026-01-10T11:00:00Z'));
    expect(check).toMatchObject({ ok: false, reason: 'has not succeeded in 208800 s (limit 93600 s)', lastSucceededAt: null });
  });

  it('a job that never ran is measured from the start of this process (a fresh deployment is not an alert)', () => {
    expect(jobCheck({ lastSucceededAt: null, firstStartedAt: null, running: false }, 3600, now, at('2026-01-10T11:30:00Z'))).toMatchObject({ ok: true, ageSeconds: 1800 });
  });

  it('a count without a limit only reports; with one it names the excess', () => {
    expect(limited('dead letters wait', 12, undefined, { open: 12 })).toEqual({ ok: true, open: 12 });
    expect(limited('dead letters wait', 12, 10, { open: 12 })).toEqual({ ok: false, reason: '12 dead letters wait (limit 10)', open: 12, max: 10 });
    expect(limited('dead letters wait', 10, 10, { open: 10 })).toMatchObject({ ok: true });
  });
});
