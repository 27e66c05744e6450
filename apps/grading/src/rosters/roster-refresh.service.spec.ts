import type { Logger } from '@nestjs/common';
import { Registry } from 'prom-client';
import type { ContextTriple, RosterRefreshedData } from '@app/contracts';
import { LtiaasCredentialInvalidError, LtiaasNotFoundError, LtiaasRetryableError, type MembershipPage } from '@app/ltiaas';
import { CredentialUnavailableError } from '../credentials/ports';
import type { GradingConfig } from '../grading.config';
import { RunLogger } from '../jobs/run-logger';
import { GradingMetrics } from '../metrics/grading-metrics';
import type { MembershipSource, RosterCredentials, RosterEvents } from './ports';
import type { RosterContext } from './roster-contexts.repository';
import type { CourseRef, RosterMember, RosterMembersRepository } from './roster-members.repository';
import { RosterRefreshService } from './roster-refresh.service';

const silent = { log() {}, warn() {}, error() {}, debug() {} } as unknown as Logger;
const run = { runId: '7', log: new RunLogger(silent, {}), signal: new AbortController().signal };
const course: RosterContext = { platformId: 'p', contextId: 'c', resourceLinkIds: ['newest', 'older'], lastLaunchAt: new Date() };

function page(userIds: string[], next?: string): MembershipPage {
  return {
    context: { id: 'c' },
    members: userIds.map((userId, i) => ({ userId, roles: ['Learner'], status: i === 0 ? 'Inactive' : 'Active', ...(i === 1 ? { name: 'Named', email: 'n@x.test' } : {}) })),
    ...(next ? { next } : {}),
  } as MembershipPage;
}

class FakeMembers {
  batches: RosterMember[][] = [];
  deactivated: CourseRef[] = [];
  async upsert(_course: CourseRef, runId: string, members: RosterMember[]): Promise<void> {
    expect(runId).toBe('7');
    this.batches.push(members);
  }
  async deactivateUnseen(c: CourseRef): Promise<number> {
    this.deactivated.push(c);
    return 1;
  }
}

function service(options: { pages: (serviceKey: string, call: number) => MembershipPage[]; keys: Record<string, string | Error>; blame?: RosterCredentials['blame'] }) {
  const members = new FakeMembers();
  const published: RosterRefreshedData[] = [];
  const forgotten: string[] = [];
  let calls = 0;
  const source: MembershipSource = {
    async *iterateMemberships(cred) {
      const pages = options.pages(cred.serviceKey!, calls++);
      for (const p of pages) {
        if ((p as unknown as { fail?: Error }).fail) throw (p as unknown as { fail: Error }).fail;
        yield p;
      }
    },
  };
  const credentials: RosterCredentials = {
    async resolve(triple: ContextTriple) {
      const key = options.keys[triple.resourceLinkId];
      if (key instanceof Error) throw key;
      return { serviceKey: key, capturedAt: null };
    },
    forget: (t) => forgotten.push(t.resourceLinkId),
    ...(options.blame ? { blame: options.blame } : {}),
  };
  const events: RosterEvents = { refreshed: async (data) => void published.push(data) };
  const config = { ROSTER_UPSERT_BATCH: 3 } as GradingConfig;
  const svc = new RosterRefreshService(source, credentials, events, members as unknown as RosterMembersRepository, new GradingMetrics(new Registry()), config);
  return { svc, members, published, forgotten, calls: () => calls };
}

describe('RosterRefreshService', () => {
  it('walks every page, writes members in batches, marks the unseen, and announces the refresh', async () => {
    const { svc, members, published } = service({ keys: { newest: 'k1' }, pages: () => [page(['a', 'b', 'c', 'd'], 'p2'), page(['e', 'f'])] });
    const result = await svc.refresh(run, course);
    expect(result).toMatchObject({ outcome: 'refreshed', members: 6, active: 4, deactivated: 1, pages: 2, eventPublished: true });
    expect(members.batches.map((b) => b.map((m) => m.userId))).toEqual([['a', 'b', 'c', 'd'], ['e', 'f']]);
    // Only what the LMS sent: no name or email invented for members without them.
    expect(members.batches[0][0]).toEqual({ userId: 'a', roles: ['Learner'], status: 'Inactive' });
    expect(members.batches[0][1]).toEqual({ userId: 'b', roles: ['Learner'], status: 'Active', name: 'Named', email: 'n@x.test' });
    expect(members.deactivated).toEqual([course]);
    expect(published).toEqual([expect.objectContaining({ platformId: 'p', contextId: 'c', members: 6, active: 4, deactivated: 1 })]);
  });

  it('skips a course whose keys are stale or missing, without calling LTIAAS', async () => {
    const { svc, members, calls } = service({
      keys: { newest: new CredentialUnavailableError('stale', 'stale'), older: new CredentialUnavailableError('missing', 'none') },
      pages: () => [page(['a'])],
    });
    const result = await svc.refresh(run, course);
    expect(result).toMatchObject({ outcome: 'skipped', members: 0, reason: 'no usable serviceKey (newest: serviceKey stale; older: serviceKey missing)' });
    expect(calls()).toBe(0);
    expect(members.deactivated).toEqual([]);
  });

  it('falls back to another activity when LTIAAS refuses a key, and forgets the refused one', async () => {
    const refused = new LtiaasCredentialInvalidError('refused', { status: 401 });
    const { svc, forgotten } = service({
      keys: { newest: 'bad', older: 'good' },
      pages: (key) => (key === 'bad' ? [{ fail: refused } as unknown as MembershipPage] : [page(['a', 'b'])]),
    });
    expect(await svc.refresh(run, course)).toMatchObject({ outcome: 'refreshed', members: 2 });
    expect(forgotten).toEqual(['newest']);
  });

  it('fails the course, forgetting no key, when what LTIAAS refuses is the account API key', async () => {
    const refused = new LtiaasCredentialInvalidError('Invalid API key', { status: 401 });
    const accountKey = new LtiaasRetryableError('LTIAAS refuses the account API key (LTIAAS_API_KEY), not the serviceKey', 'api-key-refused', undefined, { status: 401 });
    const { svc, forgotten } = service({
      keys: { newest: 'k', older: 'k2' },
      pages: () => [{ fail: refused } as unknown as MembershipPage],
      blame: async (error) => (error === refused ? accountKey : error),
    });
    await expect(svc.refresh(run, course)).rejects.toBe(accountKey);
    expect(forgotten).toEqual([]);
  });

  it('walks again when LTIAAS asks to come back later, and keeps the old roster when a page is refused for good', async () => {
    const busy = new LtiaasRetryableError('busy', 'server-error', 1, { status: 503 });
    const flaky = service({ keys: { newest: 'k' }, pages: (_k, call) => (call === 0 ? [page(['a']), { fail: busy } as unknown as MembershipPage] : [page(['a', 'b'])]) });
    expect(await flaky.svc.refresh(run, course)).toMatchObject({ outcome: 'refreshed', members: 2 });
    expect(flaky.calls()).toBe(2);

    const gone = service({ keys: { newest: 'k' }, pages: () => [{ fail: new LtiaasNotFoundError('course gone', { status: 404 }) } as unknown as MembershipPage] });
    expect(await gone.svc.refresh(run, course)).toMatchObject({ outcome: 'skipped', reason: 'LTIAAS refused the roster: course gone' });
    expect(gone.members.deactivated).toEqual([]);
  });
});
