import { EmulatorHandle, LaunchResult, startEmulator } from '../support/emulator';
import { call, lineItemPath, ltikAuth, serviceAuth } from './http';

describe('emulator: ID token and line items', () => {
  let em: EmulatorHandle;
  let launch: LaunchResult;
  let auth: string;
  const api = (method: string, path: string, body?: unknown, a = auth) => call(em.url, method, path, { auth: a, body });

  beforeAll(async () => {
    em = await startEmulator();
  });
  afterAll(() => em.close());

  beforeEach(async () => {
    await em.admin.reset();
    launch = await em.admin.launch({
      platformId: 'moodle-1',
      contextId: 'course 1',
      resourceLinkId: 'rl-1',
      userId: 'teacher',
      roles: ['Instructor'],
      userName: 'Grace Hopper',
      userEmail: 'grace@example.edu',
      contextTitle: 'Compilers',
      lineItem: { label: 'Quiz 1', scoreMaximum: 10, resourceId: 'quiz-1', tag: 'grade' },
    });
    auth = ltikAuth(em, launch.ltik);
  });

  describe('GET /api/idtoken', () => {
    it('returns the formatted launch', async () => {
      const res = await api('GET', '/api/idtoken');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        ltiVersion: '1.3.0',
        user: {
          id: 'teacher',
          roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor'],
          name: 'Grace Hopper',
          email: 'grace@example.edu',
          givenName: 'Grace',
          familyName: 'Hopper',
        },
        platform: { id: 'moodle-1', url: expect.stringMatching(/^http/), clientId: expect.any(String), deploymentId: expect.any(String) },
        launch: {
          type: 'LtiResourceLinkRequest',
          target: 'http://127.0.0.1:3001/launch',
          context: { id: 'course 1', title: 'Compilers' },
          resourceLink: { id: 'rl-1' },
        },
        services: {
          deepLinking: { available: false },
          namesAndRoles: { available: true },
          assignmentAndGrades: { available: true, lineItemId: launch.lineItemId },
          // The official SDK's schema requires it (reference §11).
          outcomes: { available: false },
          serviceKey: launch.serviceKey,
        },
      });
      expect(launch.lineItemId).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/lms\/moodle-1\/courses\/course%201\/lineitems\/\d+\?type_id=1$/);
      expect(launch.redirectUrl).toBe(`http://127.0.0.1:3001/launch?ltik=${launch.ltik}`);
    });

    it('returns the LMS claims with raw=true and refuses other raw values', async () => {
      const raw = await api('GET', '/api/idtoken?raw=true');
      expect(raw.status).toBe(200);
      expect(raw.body).toMatchObject({
        sub: 'teacher',
        'https://purl.imsglobal.org/spec/lti/claim/message_type': 'LtiResourceLinkRequest',
        'https://purl.imsglobal.org/spec/lti/claim/resource_link': { id: 'rl-1' },
        'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint': { lineitem: launch.lineItemId },
      });
      const bad = await api('GET', '/api/idtoken?raw=yes');
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ status: 400, error: 'Bad Request', details: { message: expect.any(String) } });
    });

    it('omits serviceKey and lineItemId when the launch has neither service nor a single line item', async () => {
      const plain = await em.admin.launch({
        platformId: 'moodle-1',
        contextId: 'course 2',
        resourceLinkId: 'rl-9',
        userId: 'u',
        services: { ags: false, nrps: false, deepLinking: true },
      });
      expect(plain.serviceKey).toBeUndefined();
      const res = await api('GET', '/api/idtoken', undefined, ltikAuth(em, plain.ltik));
      expect(res.body.services).toEqual({
        deepLinking: { available: true },
        namesAndRoles: { available: false },
        assignmentAndGrades: { available: false },
        outcomes: { available: false },
      });
    });
  });

  describe('line items', () => {
    it('creates (201) with an LMS id, and refuses bad bodies with 400', async () => {
      const created = await api('POST', '/api/lineitems', { label: 'Essay', scoreMaximum: 50, resourceLinkId: 'rl-1', tag: 'essay' });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({ id: expect.stringContaining('?type_id=1'), label: 'Essay', scoreMaximum: 50, resourceLinkId: 'rl-1', tag: 'essay' });

      for (const body of [
        { scoreMaximum: 10 },
        { label: '   ', scoreMaximum: 10 },
        { label: 'x', scoreMaximum: 0 },
        { label: 'x', scoreMaximum: '10' },
        { label: 'x', scoreMaximum: 10, id: 'http://x' },
        { label: 'x', scoreMaximum: 10, startDateTime: '2024-01-01T00:00:00' },
      ]) {
        const res = await api('POST', '/api/lineitems', body);
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({ status: 400, error: 'Bad Request', details: { message: 'INVALID_REQUEST' } });
      }
    });

    it('keeps fields beyond AGS (LMS extensions) and echoes them, as LTIAAS passes them through', async () => {
      const extension = { type: 'external_tool', external_tool_url: 'https://tool.example/launch' };
      const created = await api('POST', '/api/lineitems', { label: 'Canvas quiz', scoreMaximum: 10, submissionType: extension });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ label: 'Canvas quiz', submissionType: extension });
      const path = `/api/lineitems/${encodeURIComponent(created.body.id as string)}`;
      expect((await api('GET', path)).body).toMatchObject({ submissionType: extension });
      // A full replacement drops an extension the body leaves out, as it does any other field.
      const replaced = await api('PUT', path, { label: 'Canvas quiz', scoreMaximum: 10 });
      expect(replaced.body.submissionType).toBeUndefined();
    });

    it('refuses a resourceLinkId that is not an activity of the context with the LMS 404, wrapped', async () => {
      const res = await api('POST', '/api/lineitems', { label: 'x', scoreMaximum: 1, resourceLinkId: 'elsewhere' });
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ status: 404, error: 'Not Found', details: { externalError: true, bodyReceived: expect.anything() } });
    });

    it('lists with resourceLinkId, resourceId, tag and label filters (AND)', async () => {
      await api('POST', '/api/lineitems', { label: 'Essay', scoreMaximum: 50, resourceLinkId: 'rl-1', resourceId: 'essay', tag: 'grade' });
      await api('POST', '/api/lineitems', { label: 'Loose', scoreMaximum: 5, tag: 'grade' });
      const labels = async (qs: string) => ((await api('GET', `/api/lineitems${qs}`)).body.lineItems as Array<{ label: string }>).map((i) => i.label);
      expect(await labels('')).toEqual(['Quiz 1', 'Essay', 'Loose']);
      expect(await labels('?resourceLinkId=rl-1')).toEqual(['Quiz 1', 'Essay']);
      expect(await labels('?resourceLinkId=true')).toEqual(['Quiz 1', 'Essay']);
      expect(await labels('?tag=grade')).toEqual(['Quiz 1', 'Essay', 'Loose']);
      expect(await labels('?tag=grade&resourceId=essay')).toEqual(['Essay']);
      expect(await labels('?label=Loose')).toEqual(['Loose']);
      expect(await labels('?resourceLinkId=rl-1&tag=nothing')).toEqual([]);
      expect((await api('GET', '/api/lineitems?limit=0')).status).toBe(400);
    });

    it('pages with limit and next, accepting the url back single- or double-encoded', async () => {
      for (let i = 0; i < 4; i++) await api('POST', '/api/lineitems', { label: `Extra ${i}`, scoreMaximum: 1 });
      const first = await api('GET', '/api/lineitems?limit=2');
      expect(first.body.lineItems).toHaveLength(2);
      expect(first.body.next).toMatch(/^http/);
      const second = await api('GET', `/api/lineitems?url=${encodeURIComponent(first.body.next)}&limit=99&tag=ignored`);
      expect(second.body.lineItems.map((i: { label: string }) => i.label)).toEqual(['Extra 1', 'Extra 2']);
      const third = await api('GET', `/api/lineitems?url=${encodeURIComponent(encodeURIComponent(second.body.next))}`);
      expect(third.body.lineItems.map((i: { label: string }) => i.label)).toEqual(['Extra 3']);
      expect(third.body.next).toBeUndefined();
    });

    it('gets one by its percent-encoded URL, and 404s an unknown or unencoded one', async () => {
      const res = await api('GET', lineItemPath(launch.lineItemId!));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ id: launch.lineItemId, label: 'Quiz 1', scoreMaximum: 10, resourceLinkId: 'rl-1', resourceId: 'quiz-1', tag: 'grade' });
      const unknown = await api('GET', lineItemPath(launch.lineItemId!.replace(/lineitems\/\d+/, 'lineitems/999')));
      expect(unknown.status).toBe(404);
      expect(unknown.body).toMatchObject({ status: 404, details: { externalError: true } });
      expect((await api('GET', `/api/lineitems/${launch.lineItemId}`)).status).toBe(404);
    });

    it('replaces with PUT (201): omitted fields are removed, the activity binding cannot move', async () => {
      const path = lineItemPath(launch.lineItemId!);
      const put = await api('PUT', path, { id: launch.lineItemId, label: 'Quiz 1 (v2)', scoreMaximum: 20 });
      expect(put.status).toBe(201);
      expect(put.body).toEqual({ id: launch.lineItemId, label: 'Quiz 1 (v2)', scoreMaximum: 20, resourceLinkId: 'rl-1' });
      expect((await api('GET', path)).body).toEqual(put.body);
      expect((await api('PUT', path, { label: 'x', scoreMaximum: 1, resourceLinkId: 'rl-2' })).status).toBe(400);
      expect((await api('PUT', path, { id: 'http://other', label: 'x', scoreMaximum: 1 })).status).toBe(400);
      expect((await api('PUT', path, { label: 'x' })).status).toBe(400);
    });

    it('deletes (204) and forgets the grades', async () => {
      const path = lineItemPath(launch.lineItemId!);
      await em.admin.enroll('moodle-1', 'course 1', [{ userId: 's1', roles: ['Learner'] }]);
      expect((await api('POST', lineItemPath(launch.lineItemId!, '/scores'), { userId: 's1', activityProgress: 'Completed', gradingProgress: 'FullyGraded' })).status).toBe(204);
      const del = await api('DELETE', path);
      expect(del.status).toBe(204);
      expect(del.text).toBe('');
      expect((await api('GET', path)).status).toBe(404);
      expect(await em.admin.gradebook()).toEqual([]);
    });

    it('works the same with the serviceKey', async () => {
      const svc = serviceAuth(em, launch.serviceKey!);
      expect((await api('GET', '/api/lineitems?resourceLinkId=rl-1', undefined, svc)).body.lineItems).toHaveLength(1);
      expect((await api('POST', '/api/lineitems', { label: 'S', scoreMaximum: 3 }, svc)).status).toBe(201);
    });
  });
});
