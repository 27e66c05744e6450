import { EmulatorHandle, LaunchResult, startEmulator } from '../support/emulator';
import { call, lineItemPath, ltikAuth, score, serviceAuth } from './http';

describe('emulator: scores and results', () => {
  let em: EmulatorHandle;
  let launch: LaunchResult;
  let auth: string;
  let scores: string;
  const post = (body: unknown, a = auth, headers?: Record<string, string>) => call(em.url, 'POST', scores, { auth: a, body, headers });
  const results = (qs = '') => call(em.url, 'GET', `${scores}${qs}`, { auth });

  beforeAll(async () => {
    em = await startEmulator();
  });
  afterAll(() => em.close());

  beforeEach(async () => {
    await em.admin.reset();
    launch = await em.admin.launch({
      platformId: 'canvas',
      contextId: 'c1',
      resourceLinkId: 'quiz',
      userId: 'teacher',
      roles: ['Instructor'],
      lineItem: { label: 'Quiz', scoreMaximum: 10 },
    });
    await em.admin.enroll('canvas', 'c1', [
      { userId: 's1', roles: ['Learner'], name: 'Sam One' },
      { userId: 's2', roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'] },
      { userId: 'gone', roles: ['Learner'], status: 'Inactive' },
      { userId: 'ta', roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant'] },
    ]);
    auth = serviceAuth(em, launch.serviceKey!);
    scores = lineItemPath(launch.lineItemId!, '/scores');
  });

  it('accepts a valid score with 204 and an empty body, and shows it in results', async () => {
    const res = await post(score('s1', { comment: 'Well done', timestamp: '2024-05-01T10:00:00.123456+02:00' }));
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    const list = await results();
    expect(list.status).toBe(200);
    expect(list.body).toEqual({
      scores: [
        {
          id: expect.stringContaining('/results/s1?type_id=1'),
          userId: 's1',
          scoreOf: launch.lineItemId,
          timestamp: expect.any(String),
          resultScore: 7,
          resultMaximum: 10,
          comment: 'Well done',
        },
      ],
    });
  });

  it('takes scoreGiven 0, no score at all, and the ltik too', async () => {
    expect((await post(score('s1', { scoreGiven: 0 }))).status).toBe(204);
    expect((await post({ userId: 's2', activityProgress: 'Started', gradingProgress: 'NotReady' }, ltikAuth(em, launch.ltik))).status).toBe(204);
    const byUser = Object.fromEntries((await results()).body.scores.map((r: { userId: string }) => [r.userId, r]));
    expect(byUser.s1.resultScore).toBe(0);
    expect(byUser.s2).not.toHaveProperty('resultScore');
  });

  it.each([
    ['missing userId', { activityProgress: 'Completed', gradingProgress: 'FullyGraded' }],
    ['missing activityProgress', { userId: 's1', gradingProgress: 'FullyGraded' }],
    ['missing gradingProgress', { userId: 's1', activityProgress: 'Completed' }],
    ['"Initiated" (typo in the reference page)', { userId: 's1', activityProgress: 'Initiated', gradingProgress: 'FullyGraded' }],
    ['unknown gradingProgress', { userId: 's1', activityProgress: 'Completed', gradingProgress: 'Graded' }],
    ['negative scoreGiven', score('s1', { scoreGiven: -1 })],
    ['scoreGiven without scoreMaximum', { userId: 's1', activityProgress: 'Completed', gradingProgress: 'FullyGraded', scoreGiven: 3 }],
    ['scoreMaximum 0', score('s1', { scoreMaximum: 0 })],
    ['scoreGiven as text', score('s1', { scoreGiven: '7' })],
    ['numeric userId', score('s1', { userId: 1 })],
    ['timestamp without offset', score('s1', { timestamp: '2024-05-01T10:00:00' })],
    ['unknown field', score('s1', { grade: 'A' })],
  ])('refuses %s with 400 in the LTIAAS envelope', async (_, body) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 400, error: 'Bad Request', details: { message: 'INVALID_REQUEST', description: expect.any(String) } });
  });

  it('refuses bodies that are not JSON', async () => {
    const res = await post('userId=s1', auth, { 'content-type': 'text/plain' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 400, details: { message: 'INVALID_REQUEST' } });
    const broken = await post('{"userId":', auth);
    expect(broken.status).toBe(400);
    expect(broken.body.status).toBe(400);
  });

  it.each([
    ['an unknown user', 'nobody'],
    ['an instructor', 'teacher'],
    ['a teaching assistant', 'ta'],
    ['an inactive learner', 'gone'],
  ])('refuses %s with the LMS 422, wrapped', async (_, userId) => {
    const res = await post(score(userId));
    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      status: 422,
      error: 'Unprocessable Entity',
      details: {
        message: expect.any(String),
        bodyReceived: { errors: { type: 'unprocessable_entity', message: 'User not found in course or is not a student' } },
        externalError: true,
        externalUrl: expect.stringContaining('/scores?type_id=1'),
      },
    });
    expect((await em.admin.counters()).scoresRefused).toBe(1);
  });

  it('keeps the newest write per user, counts writes, and clears the comment when none is sent', async () => {
    await post(score('s1', { scoreGiven: 3, comment: 'first' }));
    await post(score('s1', { scoreGiven: 9 }));
    const [entry] = await em.admin.gradebook({ userId: 's1' });
    expect(entry).toMatchObject({ lineItemId: launch.lineItemId, userId: 's1', scoreGiven: 9, scoreMaximum: 10, comment: null, writes: 2 });
    expect(entry.stampedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('filters results by userId and pages them', async () => {
    await post(score('s1'));
    await post(score('s2'));
    expect((await results('?userId=s2')).body.scores.map((r: { userId: string }) => r.userId)).toEqual(['s2']);
    const first = await results('?limit=1');
    expect(first.body.scores).toHaveLength(1);
    const second = await results(`?url=${encodeURIComponent(first.body.next)}`);
    expect(second.body.scores.map((r: { userId: string }) => r.userId)).toEqual(['s2']);
    expect(second.body.next).toBeUndefined();
  });
});
