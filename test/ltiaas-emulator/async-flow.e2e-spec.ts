import { EmulatorHandle, startEmulator } from '../support/emulator';
import { call, lineItemPath, ltikAuth, serviceAuth } from './http';

/**
 * The async example of the LTIAAS guides, end to end: a launch, the ID token
 * read with the ltik, the serviceKey kept, and later (ltik long dead) grades
 * posted and read back with the serviceKey alone.
 */
describe('emulator: async grading walk-through', () => {
  let em: EmulatorHandle;

  beforeAll(async () => {
    em = await startEmulator({ env: { EMULATOR_LAUNCH_TARGET: 'https://tool.example.com/lti' } });
  });
  afterAll(() => em.close());

  it('launch → idtoken → serviceKey → line items for the link → scores → results', async () => {
    await em.admin.enroll('canvas-prod', '101', [
      { userId: 'alice', roles: ['Learner'], name: 'Alice A' },
      { userId: 'bob', roles: ['Learner'], name: 'Bob B' },
    ]);
    const launch = await em.admin.launch({
      platformId: 'canvas-prod',
      contextId: '101',
      resourceLinkId: 'assignment-7',
      userId: 'alice',
      roles: ['Learner'],
      lineItem: { label: 'Assignment 7', scoreMaximum: 100, resourceId: 'a7' },
    });
    expect(launch.redirectUrl).toBe(`https://tool.example.com/lti?ltik=${launch.ltik}`);

    // 1. In the launch: the tool reads the ID token with the ltik from the redirect.
    const ltik = new URL(launch.redirectUrl).searchParams.get('ltik')!;
    const idtoken = await call(em.url, 'GET', '/api/idtoken', { auth: ltikAuth(em, ltik) });
    expect(idtoken.status).toBe(200);
    const serviceKey: string = idtoken.body.services.serviceKey;
    const { id: platformId } = idtoken.body.platform;
    const contextId: string = idtoken.body.launch.context.id;
    const resourceLinkId: string = idtoken.body.launch.resourceLink.id;
    expect([platformId, contextId, resourceLinkId]).toEqual(['canvas-prod', '101', 'assignment-7']);
    expect(serviceKey).toBe(launch.serviceKey);

    // 2. A day later the ltik is dead; the serviceKey still works.
    await em.admin.advanceClock(25 * 60 * 60 * 1000);
    expect((await call(em.url, 'GET', '/api/idtoken', { auth: ltikAuth(em, ltik) })).status).toBe(401);
    const svc = serviceAuth(em, serviceKey);

    const items = await call(em.url, 'GET', `/api/lineitems?resourceLinkId=${encodeURIComponent(resourceLinkId)}`, { auth: svc });
    expect(items.status).toBe(200);
    expect(items.body.lineItems).toHaveLength(1);
    const lineItemId: string = items.body.lineItems[0].id;
    expect(lineItemId).toBe(idtoken.body.services.assignmentAndGrades.lineItemId);

    for (const [userId, scoreGiven] of [['alice', 88], ['bob', 61.5]] as const) {
      const res = await call(em.url, 'POST', lineItemPath(lineItemId, '/scores'), {
        auth: svc,
        body: { userId, scoreGiven, scoreMaximum: 100, activityProgress: 'Completed', gradingProgress: 'FullyGraded', timestamp: new Date().toISOString() },
      });
      expect(res.status).toBe(204);
    }

    const results = await call(em.url, 'GET', lineItemPath(lineItemId, '/scores'), { auth: svc });
    expect(results.status).toBe(200);
    expect(results.body.scores.map((r: { userId: string; resultScore: number }) => [r.userId, r.resultScore])).toEqual([
      ['alice', 88],
      ['bob', 61.5],
    ]);

    const gradebook = await em.admin.gradebook({ lineItemId });
    expect(gradebook).toHaveLength(2);
    expect(gradebook.every((e) => e.writes === 1 && e.gradingProgress === 'FullyGraded')).toBe(true);
    const counters = await em.admin.counters();
    expect(counters).toMatchObject({ launches: 1, scoresAccepted: 2, byEndpoint: { 'scores.post': 2, idtoken: 2 } });
  });
});
