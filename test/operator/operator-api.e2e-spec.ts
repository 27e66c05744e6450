import { exchangeToken } from '../support/grading';
import { DEMO, startConsoleStack, type ConsoleStack } from '../support/console-stack';
import { testPort } from '../support/infra';

// From the block of fixed ports kept for the console's suites (the browser suite uses 19620).
const CONSOLE_PORT = testPort(19621);

/**
 * Grading's operator views (admin scope, documented with response schemas)
 * and the console in front of them: one origin, a strict CSP, only the
 * operator endpoints passed on.
 */
describe('operator views and the console', () => {
  let s: ConsoleStack;

  beforeAll(async () => {
    s = await startConsoleStack('operator-api', CONSOLE_PORT);
  });

  afterAll(async () => {
    await s?.close();
  });

  it('answers only an admin token', async () => {
    const reader = await s.issueKey('operator-api-reader', ['scores:read', 'scores:write']);
    const token = await exchangeToken(s.stack.vault.url, reader);
    for (const path of ['/v1/operator/overview', '/v1/operator/learners?q=student-1', '/v1/operator/waiting-for-launch']) {
      expect((await fetch(`${s.gradingUrl}${path}`)).status).toBe(401);
      expect((await fetch(`${s.gradingUrl}${path}`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(403);
    }
  });

  it("finds the learner by id, with each score's state, its attempts and the LMS's words", async () => {
    const res = await s.admin.request('GET', '/v1/operator/learners?q=student-1');
    expect(res.status).toBe(200);
    expect(res.body.users).toEqual([expect.objectContaining({ userId: 'student-1', name: DEMO.learner.name, email: DEMO.learner.email, platformIds: [DEMO.platformId] })]);
    const delivered = res.body.scores.find((x: { contextId: string }) => x.contextId === DEMO.contextId);
    expect(delivered).toMatchObject({ state: 'delivered', userId: 'student-1', scoreGiven: 87, resourceLinkId: DEMO.resourceLinkId, deadLetterId: null });
    expect(delivered.history[0]).toMatchObject({ outcome: 'delivered', version: 1 });
    const waiting = res.body.scores.find((x: { contextId: string }) => x.contextId === DEMO.unlaunched.contextId);
    expect(waiting).toMatchObject({ state: 'waiting-for-launch', scoreGiven: 91 });
  });

  it('finds the learner by the email a roster refresh saw, in any case', async () => {
    const res = await s.admin.request('GET', `/v1/operator/learners?q=${encodeURIComponent(DEMO.learner.email.toUpperCase())}`);
    expect(res.body.users.map((u: { userId: string }) => u.userId)).toEqual(['student-1']);
    expect(res.body.scores).toHaveLength(2);
  });

  it('calls a refused score dead-lettered, with the status code and message the LMS gave', async () => {
    const res = await s.admin.request('GET', `/v1/operator/learners?q=${DEMO.lateLearner}`);
    const [row] = res.body.scores;
    expect(row).toMatchObject({ state: 'dead-lettered', lastStatusCode: 422, deadLetterId: s.deadLetterId });
    expect(row.history[0]).toMatchObject({ outcome: 'failed', statusCode: 422, message: row.lastError });
  });

  it('answers 400 naming q when the search is empty, and an empty answer for an unknown learner', async () => {
    const empty = await s.admin.request('GET', '/v1/operator/learners?q=');
    expect(empty.status).toBe(400);
    expect(JSON.stringify(empty.body.message)).toContain('q');
    expect((await s.admin.request('GET', '/v1/operator/learners?q=nobody')).body).toEqual({ query: 'nobody', users: [], scores: [] });
  });

  it('lists the activities waiting for a launch, how many scores wait on each and since when', async () => {
    const res = await s.admin.request('GET', '/v1/operator/waiting-for-launch');
    expect(res.body.contexts).toEqual([
      expect.objectContaining({ platformId: DEMO.platformId, ...DEMO.unlaunched, scores: 1, waitingSince: expect.any(String), lastLaunchAt: null }),
    ]);
  });

  it('gives the /health/sync checks, the last hour of delivery per platform with the throttling, and the last runs', async () => {
    const res = await s.admin.request('GET', '/v1/operator/overview');
    expect(res.status).toBe(200);
    const health = (await (await fetch(`${s.gradingUrl}/health/sync`)).json()) as { details: Record<string, { status: string }> };
    for (const name of ['gradeSync', 'rosterRefresh', 'backlog', 'deadLetters', 'staleCredentials']) {
      expect(res.body.status[name].ok).toBe(health.details[name].status === 'up');
    }
    expect(res.body.status.staleCredentials).toMatchObject({ contexts: 1, waitingForLaunch: 1 });
    expect(res.body.status.deadLetters).toMatchObject({ open: 1 });
    const [platform] = res.body.delivery.platforms;
    expect(platform.platformId).toBe(DEMO.platformId);
    expect(platform.buckets.length).toBeGreaterThanOrEqual(12);
    const sum = (k: 'delivered' | 'throttled' | 'failed') => platform.buckets.reduce((n: number, b: Record<string, number>) => n + b[k], 0);
    expect(sum('delivered')).toBe(1 + DEMO.classmates.length);
    expect(sum('throttled')).toBe(3);
    expect(sum('failed')).toBe(1);
    expect(res.body.lastRuns.rosterRefresh).toMatchObject({ job: 'roster-refresh', status: 'succeeded', contextsDone: 1 });
    expect(res.body.lastRuns.gradeSync).toBeNull();
  });

  it('documents the views with their response schemas', async () => {
    const doc = (await (await fetch(`${s.gradingUrl}/docs/openapi.json`)).json()) as { paths: Record<string, any> };
    for (const path of ['/v1/operator/overview', '/v1/operator/learners', '/v1/operator/waiting-for-launch']) {
      const schema = doc.paths[path].get.responses['200'].content['application/json'].schema;
      expect(schema.type).toBe('object');
      expect(Object.keys(schema.properties).length).toBeGreaterThan(0);
    }
  });

  it('serves the page under a strict CSP, with no script or style but its own files', async () => {
    const res = await fetch(`${s.consoleUrl}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("connect-src 'self'");
    const html = await res.text();
    expect(html).toMatch(/<script type="module" crossorigin src="\/assets\/[^"]+\.js"><\/script>/);
    expect(html).not.toMatch(/<script>|<style>|https?:\/\//);
    expect((await fetch(`${s.consoleUrl}/health/ready`)).status).toBe(200);
  });

  it('passes the operator endpoints on to the vault and grading, and nothing else', async () => {
    const key = await s.issueKey('operator-api-admin', ['admin']);
    const token = (await (await fetch(`${s.consoleUrl}/api/vault/v1/token`, { method: 'POST', headers: { authorization: `Bearer ${key}` } })).json()) as { access_token: string };
    const headers = { authorization: `Bearer ${token.access_token}` };
    const learner = await fetch(`${s.consoleUrl}/api/grading/v1/operator/learners?q=student-1`, { headers });
    expect(learner.status).toBe(200);
    expect(((await learner.json()) as { users: Array<{ userId: string }> }).users[0].userId).toBe('student-1');
    expect((await fetch(`${s.consoleUrl}/api/grading/v1/scores?userId=student-1`, { headers })).status).toBe(404);
    expect((await fetch(`${s.consoleUrl}/api/vault/v1/credentials/resolve`, { method: 'POST', headers })).status).toBe(404);
    expect((await fetch(`${s.consoleUrl}/api/launch/launch`)).status).toBe(404);
    // The upstream's own answer comes back as it is: no token, 401.
    expect((await fetch(`${s.consoleUrl}/api/grading/v1/operator/overview`)).status).toBe(401);
  });
});
