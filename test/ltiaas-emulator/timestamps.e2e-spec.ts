import { EmulatorHandle, LaunchResult, startEmulator } from '../support/emulator';
import { call, lineItemPath, score, serviceAuth } from './http';

describe('emulator: timestamp modes', () => {
  let em: EmulatorHandle;
  let launch: LaunchResult;
  const post = (extra: Record<string, unknown>) =>
    call(em.url, 'POST', lineItemPath(launch.lineItemId!, '/scores'), { auth: serviceAuth(em, launch.serviceKey!), body: score('s1', extra) });
  const entry = async () => (await em.admin.gradebook({ userId: 's1' }))[0];

  beforeAll(async () => {
    em = await startEmulator();
  });
  afterAll(() => em.close());

  beforeEach(async () => {
    await em.admin.reset();
    launch = await em.admin.launch({ platformId: 'lms', contextId: 'c', resourceLinkId: 'r', userId: 't', roles: ['Instructor'], lineItem: { label: 'L', scoreMaximum: 10 } });
    await em.admin.enroll('lms', 'c', [{ userId: 's1', roles: ['Learner'] }]);
  });

  describe('stamped (default, LTIAAS-like)', () => {
    it('ignores the tool timestamp: the last to arrive wins, even when older', async () => {
      expect((await post({ scoreGiven: 9, timestamp: '2024-05-01T10:00:00.000002Z' })).status).toBe(204);
      expect((await post({ scoreGiven: 4, timestamp: '2024-05-01T10:00:00.000001Z' })).status).toBe(204);
      expect((await post({ scoreGiven: 5 })).status).toBe(204);
      const e = await entry();
      expect(e).toMatchObject({ scoreGiven: 5, timestamp: null, writes: 3, refusedWrites: 0 });
      const results = await call(em.url, 'GET', lineItemPath(launch.lineItemId!, '/scores'), { auth: serviceAuth(em, launch.serviceKey!) });
      expect(results.body.scores[0].timestamp).toBe(e.stampedAt);
    });

    it('keeps the timestamp string exactly as sent', async () => {
      await post({ timestamp: '2024-05-01T12:00:00.123456+02:00' });
      expect((await entry()).timestamp).toBe('2024-05-01T12:00:00.123456+02:00');
    });
  });

  describe('strict-409 (Moodle style)', () => {
    beforeEach(() => em.admin.configurePlatform('lms', { timestampMode: 'strict-409' }));

    it('refuses a timestamp not newer than the stored one, to the microsecond', async () => {
      expect((await post({ scoreGiven: 9, timestamp: '2024-05-01T10:00:00.000002Z' })).status).toBe(204);
      const older = await post({ scoreGiven: 4, timestamp: '2024-05-01T10:00:00.000001Z' });
      expect(older.status).toBe(409);
      expect(older.body).toEqual({
        status: 409,
        error: 'Conflict',
        details: {
          message: 'CONFLICT',
          bodyReceived: expect.stringContaining('Refusing score with an earlier timestamp'),
          externalError: true,
          externalUrl: expect.stringContaining('/scores?type_id=1'),
        },
      });
      expect((await post({ timestamp: '2024-05-01T12:00:00.000002+02:00' })).status).toBe(409);
      expect((await post({ scoreGiven: 10, timestamp: '2024-05-01T10:00:00.000003Z' })).status).toBe(204);
      expect(await entry()).toMatchObject({ scoreGiven: 10, timestamp: '2024-05-01T10:00:00.000003Z', writes: 2, refusedWrites: 2 });
      const results = await call(em.url, 'GET', lineItemPath(launch.lineItemId!, '/scores'), { auth: serviceAuth(em, launch.serviceKey!) });
      expect(results.body.scores[0].timestamp).toBe('2024-05-01T10:00:00.000003Z');
    });

    it('requires a timestamp', async () => {
      const res = await post({});
      expect(res.status).toBe(400);
      expect(res.body.details).toMatchObject({ bodyReceived: 'Incorrect score received', externalError: true });
    });
  });

  describe('strict-400 (Canvas style)', () => {
    beforeEach(() => em.admin.configurePlatform('lms', { timestampMode: 'strict-400' }));

    it('refuses an older or equal timestamp with 400 and the Canvas message', async () => {
      expect((await post({ timestamp: '2024-05-01T10:00:00.5Z' })).status).toBe(204);
      const equal = await post({ timestamp: '2024-05-01T10:00:00.500000Z' });
      expect(equal.status).toBe(400);
      expect(equal.body.details.bodyReceived).toEqual({
        errors: { type: 'bad_request', message: 'Provided timestamp of 2024-05-01T10:00:00.500000Z before last updated timestamp of 2024-05-01T10:00:00.5Z' },
      });
      expect((await post({ timestamp: '2024-05-01T10:00:00.500001Z' })).status).toBe(204);
    });

    it('requires a timestamp', async () => {
      expect((await post({})).status).toBe(400);
    });
  });
});
