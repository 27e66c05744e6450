import { EmulatorHandle, LaunchResult, MemberInput, startEmulator } from '../support/emulator';
import { call, serviceAuth } from './http';

const LEARNER = 'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner';
const INSTRUCTOR = 'http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor';

describe('emulator: memberships', () => {
  let em: EmulatorHandle;
  let launch: LaunchResult;
  const get = (qs: string) => call(em.url, 'GET', `/api/memberships${qs}`, { auth: serviceAuth(em, launch.serviceKey!) });

  /** Follows `next` to the end, as a client must; returns every page. */
  async function walk(first: string, encode: (u: string) => string = encodeURIComponent) {
    const pages = [];
    let res = await get(first);
    for (;;) {
      expect(res.status).toBe(200);
      pages.push(res.body);
      if (!res.body.next) return pages;
      res = await get(`?url=${encode(res.body.next)}`);
    }
  }

  beforeAll(async () => {
    em = await startEmulator();
    // 2,500 people: 2,400 learners (every third only in activity "lab"), 99 instructors, plus the launching teacher.
    const members: MemberInput[] = Array.from({ length: 2499 }, (_, i) =>
      i % 25 === 0
        ? { userId: `inst-${i}`, roles: ['Instructor'], name: `Instructor ${i}` }
        : { userId: `stu-${i}`, roles: ['Learner'], email: `s${i}@example.edu`, ...(i % 3 === 0 ? { resourceLinkIds: ['lab'] } : {}) },
    );
    await em.admin.enroll('canvas', 'big', members);
    launch = await em.admin.launch({ platformId: 'canvas', contextId: 'big', resourceLinkId: 'lecture', userId: 'teacher', roles: ['Instructor'] });
  });
  afterAll(() => em.close());

  it('pages a 2,500-member roster completely, never more than 50 a page whatever limit asks', async () => {
    const pages = await walk('?limit=1000');
    expect(pages).toHaveLength(50);
    for (const page of pages) {
      expect(page.members.length).toBeLessThanOrEqual(50);
      expect(page.context).toEqual({ id: 'big', label: 'big', title: 'Course big' });
      expect(page.id).toMatch(/^http/);
    }
    const ids = pages.flatMap((p) => p.members.map((m: { userId: string }) => m.userId));
    expect(ids).toHaveLength(2500);
    expect(new Set(ids).size).toBe(2500);
    expect(pages[0].members[1]).toEqual({ userId: 'stu-1', roles: [LEARNER], status: 'Active', email: 's1@example.edu' });
    expect(pages[49].next).toBeUndefined();
  });

  it('honours a smaller limit and the SDK-style double-encoded url', async () => {
    const pages = await walk('?limit=500', (u) => encodeURIComponent(encodeURIComponent(u)));
    expect(pages).toHaveLength(50);
    const small = await get('?limit=7');
    expect(small.body.members).toHaveLength(7);
    expect(small.body.next).toContain('limit=7');
    expect((await get('?limit=abc')).status).toBe(400);
  });

  it('filters by role, short or full, also double-encoded, across pages', async () => {
    const instructors = (await walk('?role=Instructor')).flatMap((p) => p.members);
    expect(instructors).toHaveLength(101);
    expect(instructors.every((m: { roles: string[] }) => m.roles.includes(INSTRUCTOR))).toBe(true);
    const learners = (await walk(`?role=${encodeURIComponent(encodeURIComponent(LEARNER))}`)).flatMap((p) => p.members);
    expect(learners).toHaveLength(2399);
    expect((await walk(`?role=${encodeURIComponent(LEARNER)}`)).flatMap((p) => p.members)).toHaveLength(2399);
  });

  it('filters by resource link: members who can reach that activity', async () => {
    const lecture = (await walk('?resourceLinkId=lecture')).flatMap((p) => p.members);
    const lab = (await walk('?resourceLinkId=lab')).flatMap((p) => p.members);
    // learners with i % 3 == 0 reach only "lab": 833 multiples of 3 below 2499, less the 34 that are instructors
    const labOnly = 833 - 34;
    expect(lab).toHaveLength(2500);
    expect(lecture).toHaveLength(2500 - labOnly);
    expect(lecture.some((m: { userId: string }) => m.userId === 'stu-3')).toBe(false);
    const both = (await walk('?resourceLinkId=lab&role=Learner')).flatMap((p) => p.members);
    expect(both).toHaveLength(2399);
    const unknown = await get('?resourceLinkId=nowhere');
    expect(unknown.status).toBe(404);
    expect(unknown.body.details.externalError).toBe(true);
  });

  it('reflects unenrolment and inactive members', async () => {
    await em.admin.enroll('canvas', 'big', [{ userId: 'stu-1', roles: ['Learner'], status: 'Inactive' }]);
    await em.admin.unenroll('canvas', 'big', 'stu-2');
    const all = (await walk('')).flatMap((p) => p.members);
    expect(all).toHaveLength(2499);
    expect(all.find((m: { userId: string }) => m.userId === 'stu-1').status).toBe('Inactive');
  });
});

describe('emulator: EMULATOR_PAGE_SIZE', () => {
  it('caps pages at the configured size', async () => {
    const em = await startEmulator({ env: { EMULATOR_PAGE_SIZE: '10' } });
    try {
      await em.admin.enroll('p', 'c', Array.from({ length: 25 }, (_, i) => ({ userId: `u${i}`, roles: ['Learner'] })));
      const launch = await em.admin.launch({ platformId: 'p', contextId: 'c', resourceLinkId: 'r', userId: 'u0' });
      const res = await call(em.url, 'GET', '/api/memberships?limit=50', { auth: serviceAuth(em, launch.serviceKey!) });
      expect(res.body.members).toHaveLength(10);
      expect(res.body.next).toBeDefined();
    } finally {
      await em.close();
    }
  });
});
