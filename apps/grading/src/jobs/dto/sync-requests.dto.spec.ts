import { gradeSyncRequest, rosterRefreshRequest, runQueryParams } from './sync-requests.dto';

const issues = (result: { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } }) =>
  result.success ? [] : result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);

describe('sync request bodies', () => {
  it('a grade sync without a body re-offers everything undelivered', () => {
    expect(gradeSyncRequest.parse({})).toEqual({});
  });

  it('a forced resend names a context, optionally one activity', () => {
    expect(gradeSyncRequest.parse({ platformId: 'p', contextId: 'c', force: true })).toEqual({ platformId: 'p', contextId: 'c', force: true });
    expect(gradeSyncRequest.parse({ platformId: 'p', contextId: 'c', resourceLinkId: 'r', force: true })).toMatchObject({ resourceLinkId: 'r' });
  });

  it('refuses a forced resend of everything, and a scope without force', () => {
    expect(issues(gradeSyncRequest.safeParse({ force: true }))).toEqual([
      'platformId: required with force: a forced resend covers one context or activity',
      'contextId: required with force: a forced resend covers one context or activity',
    ]);
    expect(issues(gradeSyncRequest.safeParse({ platformId: 'p', contextId: 'c' }))).toEqual([
      'force: must be true to name a context: without it the sync re-offers every undelivered score',
    ]);
  });

  it('refuses unknown fields', () => {
    expect(gradeSyncRequest.safeParse({ everything: true }).success).toBe(false);
    expect(rosterRefreshRequest.safeParse({ course: 'x' }).success).toBe(false);
  });

  it('a roster refresh of one context needs its platform', () => {
    expect(rosterRefreshRequest.parse({ platformId: 'p', contextId: 'c' })).toEqual({ platformId: 'p', contextId: 'c' });
    expect(rosterRefreshRequest.parse({ platformId: 'p' })).toEqual({ platformId: 'p' });
    expect(issues(rosterRefreshRequest.safeParse({ contextId: 'c' }))).toEqual(['platformId: required with contextId']);
  });

  it('run listings default to 50, cap at 500 and take a numeric cursor', () => {
    expect(runQueryParams.parse({})).toEqual({ limit: 50 });
    expect(runQueryParams.parse({ job: 'roster-refresh', limit: '10', before: '42' })).toEqual({ job: 'roster-refresh', limit: 10, before: '42' });
    expect(runQueryParams.safeParse({ limit: '501' }).success).toBe(false);
    expect(runQueryParams.safeParse({ before: '1; DROP TABLE' }).success).toBe(false);
    expect(runQueryParams.safeParse({ job: 'backfill' }).success).toBe(false);
  });
});
