import { LTIK_LIFETIME_MS, LtiaasCredentialInvalidError, type LtiaasCredential, type LtiaasResponseEvent, type Score } from '@app/ltiaas';
import { ACTIVITY, COURSE, ClientHarness, learners, PLATFORM, type HarnessLaunch } from './ltiaas-client.harness';

const MINUTE = 60_000;

function score(userId: string, scoreGiven: number, extra: Partial<Score> = {}): Score {
  return { userId, scoreGiven, scoreMaximum: 100, activityProgress: 'Completed', gradingProgress: 'FullyGraded', timestamp: new Date().toISOString(), ...extra };
}

describe('LtiaasClient against the emulator', () => {
  let harness: ClientHarness;
  let launch: HarnessLaunch;
  let svc: LtiaasCredential;
  let live: LtiaasCredential;

  beforeAll(async () => {
    harness = await ClientHarness.start();
  });
  afterAll(() => harness.close());

  beforeEach(async () => {
    await harness.reset();
    launch = await harness.launch({
      platformId: PLATFORM,
      contextId: COURSE,
      resourceLinkId: ACTIVITY,
      userId: 'learner-0',
      lineItem: { label: 'Quiz 1', scoreMaximum: 100, resourceId: 'quiz-1', tag: 'grade' },
    });
    svc = { serviceKey: launch.serviceKey };
    live = { ltik: { token: launch.ltik, issuedAt: launch.issuedAt }, serviceKey: launch.serviceKey };
  });

  afterEach(() => {
    expect(harness.leakedSecrets()).toEqual([]);
  });

  it('checks the account API key on its own (Bearer), telling a refused key apart', async () => {
    await expect(harness.client().checkApiKey()).resolves.toBeUndefined();
    await expect(harness.client({ apiKey: 'not-the-account-key' }).checkApiKey()).rejects.toBeInstanceOf(LtiaasCredentialInvalidError);
  });

  it('reads the ID token of a launch with its serviceKey and line item', async () => {
    const token = await harness.client().getIdToken(launch.ltik);
    expect(token.user).toMatchObject({ id: 'learner-0', roles: expect.any(Array) });
    expect(token.platform.id).toBe(PLATFORM);
    expect(token.launch?.context?.id).toBe(COURSE);
    expect(token.launch?.resourceLink?.id).toBe(ACTIVITY);
    expect(token.services.serviceKey).toBe(launch.serviceKey);
    expect(token.services.assignmentAndGrades).toMatchObject({ available: true, lineItemId: launch.lineItemId });
    // passthrough keeps what the schema does not name
    expect(token.launch).toHaveProperty('presentation');
  });

  it('creates, reads, lists, replaces and deletes line items with a serviceKey', async () => {
    const client = harness.client();
    const created = await client.createLineItem(svc, { label: 'Essay', scoreMaximum: 20, resourceId: 'essay-1', tag: 'originality', resourceLinkId: ACTIVITY });
    expect(created).toMatchObject({ label: 'Essay', scoreMaximum: 20, resourceId: 'essay-1', tag: 'originality' });
    expect(created.id).toContain('?type_id=');

    await expect(client.getLineItem(svc, created.id)).resolves.toEqual(created);
    await expect(client.listLineItems(svc, { resourceId: 'essay-1' })).resolves.toEqual([created]);
    await expect(client.listLineItems(svc, { tag: 'grade' })).resolves.toEqual([expect.objectContaining({ id: launch.lineItemId })]);
    await expect(client.listLineItems(svc, { label: 'Essay' })).resolves.toEqual([created]);
    expect((await client.listLineItems(svc, { resourceLinkId: ACTIVITY })).map((i) => i.id).sort()).toEqual([launch.lineItemId, created.id].sort());

    const replaced = await client.updateLineItem(svc, created.id, { label: 'Essay (revised)', scoreMaximum: 25, resourceId: 'essay-1', tag: 'originality', resourceLinkId: ACTIVITY });
    expect(replaced).toMatchObject({ id: created.id, label: 'Essay (revised)', scoreMaximum: 25 });

    await client.deleteLineItem(svc, created.id);
    const gone = await harness.failure(client.getLineItem(svc, created.id));
    expect(gone).toMatchObject({ kind: 'not-found', status: 404 });
  });

  it('follows every page of a long line item list', async () => {
    const client = harness.client();
    for (let i = 0; i < 119; i++) await client.createLineItem(svc, { label: `Item ${i}`, scoreMaximum: 10 });
    const all = await client.listLineItems(svc, { limit: 25 });
    expect(all).toHaveLength(120);
    expect(new Set(all.map((i) => i.id)).size).toBe(120);
    const pages = (await harness.emulator.admin.requests()).filter((r) => r.endpoint === 'lineitems.list');
    expect(pages).toHaveLength(5);
  });

  it('posts scores with a live ltik, then with the serviceKey once the ltik nears 24 hours', async () => {
    const client = harness.client();
    await harness.emulator.admin.enroll(PLATFORM, COURSE, learners(3));
    await client.postScore(live, launch.lineItemId!, score('learner-1', 71, { comment: 'well done' }));
    await harness.advanceClock(LTIK_LIFETIME_MS - 4 * MINUTE);
    await client.postScore(live, launch.lineItemId!, score('learner-2', 88));

    const schemes = (await harness.emulator.admin.requests()).filter((r) => r.endpoint === 'scores.post').map((r) => r.scheme);
    expect(schemes).toEqual(['LTIK', 'SVC']);
    const book = await harness.emulator.admin.gradebook({ lineItemId: launch.lineItemId });
    expect(book).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ userId: 'learner-1', scoreGiven: 71, comment: 'well done' }),
        expect.objectContaining({ userId: 'learner-2', scoreGiven: 88 }),
      ]),
    );
  });

  it('reads results through …/scores, filtered by user and across pages', async () => {
    const client = harness.client();
    await harness.emulator.admin.enroll(PLATFORM, COURSE, learners(120));
    for (let i = 0; i < 120; i++) await client.postScore(svc, launch.lineItemId!, score(`learner-${i}`, i % 100));

    const all = await client.getResults(svc, launch.lineItemId!, { limit: 40 });
    expect(all).toHaveLength(120);
    expect(all.find((r) => r.userId === 'learner-7')).toMatchObject({ resultScore: 7, resultMaximum: 100, scoreOf: launch.lineItemId });
    await expect(client.getResults(svc, launch.lineItemId!, { userId: 'learner-9' })).resolves.toEqual([
      expect.objectContaining({ userId: 'learner-9', resultScore: 9 }),
    ]);
    const paths = (await harness.emulator.admin.requests()).filter((r) => r.endpoint === 'scores.list').map((r) => r.path);
    expect(paths.every((p) => !p.includes('/results'))).toBe(true);
  });

  it('pages through a 2,500-member roster, whole and as a stream', async () => {
    const client = harness.client();
    const teachers = [{ userId: 'teacher-1', roles: ['Instructor'] }];
    await harness.emulator.admin.enroll(PLATFORM, COURSE, [...learners(2_498, 'student'), ...teachers]);

    const roster = await client.listMemberships(svc);
    expect(roster.context.id).toBe(COURSE);
    expect(roster.members).toHaveLength(2_500);
    expect(new Set(roster.members.map((m) => m.userId)).size).toBe(2_500);
    expect(roster.members.every((m) => m.status === 'Active')).toBe(true);

    let pages = 0;
    let streamed = 0;
    for await (const page of client.iterateMemberships(svc, { limit: 100 })) {
      pages++;
      streamed += page.members.length;
      expect(page.members.length).toBeLessThanOrEqual(100);
    }
    expect(streamed).toBe(2_500);
    expect(pages).toBeGreaterThanOrEqual(25);

    const instructors = await client.listMemberships(svc, { role: 'Instructor' });
    expect(instructors.members.map((m) => m.userId)).toEqual(['teacher-1']);
  });

  it('reports X-Rate-Limit-Remaining on success, from postScore and the onResponse hook', async () => {
    const events: LtiaasResponseEvent[] = [];
    const client = harness.client({ onResponse: (e) => events.push(e) });
    await harness.emulator.admin.configurePlatform(PLATFORM, { rateLimit: { perSecond: 1000, burst: 50 } });
    await harness.emulator.admin.enroll(PLATFORM, COURSE, learners(2));
    const first = await client.postScore(svc, launch.lineItemId!, score('learner-1', 50));
    const second = await client.postScore(svc, launch.lineItemId!, score('learner-1', 60));
    expect(first.rateLimitRemaining).toEqual(expect.any(Number));
    expect(second.rateLimitRemaining).toBeLessThanOrEqual(first.rateLimitRemaining!);
    expect(events.map((e) => [e.method, e.status, e.rateLimitRemaining])).toEqual([
      ['POST', 204, first.rateLimitRemaining],
      ['POST', 204, second.rateLimitRemaining],
    ]);
    expect(events[0].path).toMatch(/^\/api\/lineitems\/[^/]+\/scores$/);
  });

  it('sends the request id it was given and logs it', async () => {
    const client = harness.client();
    await client.getLineItem(svc, launch.lineItemId!, { requestId: 'trace-42' });
    const line = harness.logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.requestId === 'trace-42');
    expect(line).toMatchObject({ level: 20, method: 'GET', status: 200, msg: 'ltiaas request' });
    expect(line?.path).toMatch(/^\/api\/lineitems\/http/);
  });
});
