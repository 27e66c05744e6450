import { TOPICS } from '@app/contracts';
import type { GradingClient } from '../support/grading';
import { readTopic, testKafka } from '../support/infra';
import { finishedRun, launchRecorded, startStackGrading, startSyncStack, type SyncStack } from '../support/sync-jobs';

/**
 * The roster refresh over the real stack: every page of a large roster lands,
 * a member the LMS dropped turns inactive, a context whose key LTIAAS refuses
 * is skipped (not failed), and a run cut short is carried on by the next.
 */
describe('roster refresh', () => {
  const platformId = 'https://moodle.roster.test';
  const big = { platformId, contextId: 'course-big', resourceLinkId: 'activity-big' };
  const revoked = { platformId, contextId: 'course-revoked', resourceLinkId: 'activity-revoked' };
  const dormant = { platformId, contextId: 'course-dormant', resourceLinkId: 'activity-dormant' };
  const members = Array.from({ length: 2500 }, (_, i) => ({
    userId: `learner-${String(i).padStart(5, '0')}`,
    roles: ['Learner'],
    // Some LMSs share names and emails, some do not: only what was sent is kept.
    ...(i % 2 === 0 ? { name: `Learner ${i}`, email: `learner${i}@school.test` } : {}),
  }));
  let stack: SyncStack;
  let grading: Awaited<ReturnType<typeof startStackGrading>>;
  let client: GradingClient;

  const membershipRequests = async () => (await stack.emulator.admin.requests()).filter((r) => r.endpoint === 'memberships').length;
  const memberRow = async (userId: string) =>
    (await stack.sql<{ status: string; name: string | null; email: string | null; roles: string[]; removed_at: Date | null }>(
      `SELECT status, name, email, roles, removed_at FROM grading.roster_members WHERE platform_id = $1 AND context_id = $2 AND user_id = $3`,
      [platformId, big.contextId, userId],
    ))[0];
  const refresh = async (body?: unknown) => {
    const started = await client.request('POST', '/v1/sync/rosters', body);
    expect(started.status).toBe(202);
    return finishedRun(client, started.body.id);
  };

  beforeAll(async () => {
    stack = await startSyncStack('roster-refresh', { gradingOverrides: { ROSTER_UPSERT_BATCH: '400' } });
    grading = await startStackGrading(stack);
    client = stack.client(() => grading.url);
    await stack.emulator.admin.enroll(platformId, big.contextId, members);
    for (const activity of [big, revoked, dormant]) {
      const launched = await stack.launcher.launch(activity);
      await launchRecorded(stack, activity);
      if (activity === revoked) await stack.emulator.admin.revokeServiceKey(launched.serviceKey);
    }
    // Launched long ago: out of ROSTER_ACTIVE_DAYS.
    await stack.sql(`UPDATE grading.contexts SET last_launch_at = now() - interval '400 days' WHERE context_id = $1`, [dormant.contextId]);
  });

  afterAll(async () => {
    await grading?.close();
    await stack?.close();
  });

  it('lands a roster of 2,500 members across pages, skips a context whose key LTIAAS refuses, and announces the refresh', async () => {
    const run = await refresh();
    expect(run).toMatchObject({ job: 'roster-refresh', status: 'succeeded', contextsTotal: 2, contextsDone: 1, contextsSkipped: 1, contextsFailed: 0, membersSeen: 2501, error: null });
    const skipped = run.contexts!.find((c) => c.contextId === revoked.contextId)!;
    expect(skipped).toMatchObject({ outcome: 'skipped' });
    expect(skipped.reason).toContain('refused');

    const [count] = await stack.sql<{ n: string; active: string }>(
      `SELECT count(*) AS n, count(*) FILTER (WHERE status = 'Active' AND removed_at IS NULL) AS active FROM grading.roster_members WHERE platform_id = $1 AND context_id = $2`,
      [platformId, big.contextId],
    );
    expect(Number(count.n)).toBe(2501); // the roster and the instructor who launched
    expect(Number(count.active)).toBe(2501);
    expect(await memberRow('learner-00002')).toMatchObject({ status: 'Active', name: 'Learner 2', email: 'learner2@school.test', roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'] });
    expect(await memberRow('learner-00003')).toMatchObject({ status: 'Active', name: null, email: null });
    expect(Number((await stack.sql<{ n: string }>(`SELECT count(*) AS n FROM grading.roster_members WHERE context_id <> $1`, [big.contextId]))[0].n)).toBe(0);

    const [event] = await readTopic(testKafka(stack.brokers), `${stack.topicPrefix}${TOPICS.rosterRefreshed}`, 1);
    const announced = JSON.parse(event.value!.toString());
    expect(announced).toMatchObject({ type: 'com.ltigrading.roster.refreshed.v1', correlationid: `sync-run-${run.id}`, data: { platformId, contextId: big.contextId, members: 2501, active: 2501, deactivated: 0 } });
  });

  it('a member removed in the LMS shows inactive after the next refresh; the others stay active', async () => {
    await stack.emulator.admin.unenroll(platformId, big.contextId, 'learner-01234');
    const run = await refresh();
    expect(run).toMatchObject({ status: 'succeeded', contextsDone: 1, membersSeen: 2500, membersDeactivated: 1 });
    const gone = await memberRow('learner-01234');
    expect(gone.status).toBe('Inactive');
    expect(gone.removed_at).not.toBeNull();
    expect(await memberRow('learner-01235')).toMatchObject({ status: 'Active', removed_at: null });

    // Enrolled again: active again.
    await stack.emulator.admin.enroll(platformId, big.contextId, [members[1234]]);
    await refresh({ platformId, contextId: big.contextId });
    expect(await memberRow('learner-01234')).toMatchObject({ status: 'Active', removed_at: null });
  });

  it('a run cut short is marked interrupted, and the next run carries on without fetching what it had done', async () => {
    const [dead] = await stack.sql<{ id: string }>(
      `INSERT INTO grading.sync_runs (job, trigger, scope, owner, started_at, heartbeat_at) VALUES ('roster-refresh', 'schedule', '{}', 'gone:1', now(), now()) RETURNING id::text`,
    );
    await stack.sql(
      `INSERT INTO grading.sync_run_contexts (run_id, platform_id, context_id, outcome, members, active, pages) VALUES ($1, $2, $3, 'refreshed', 2501, 2501, 51)`,
      [dead.id, platformId, big.contextId],
    );
    const before = await membershipRequests();
    const run = await refresh();

    expect(run).toMatchObject({ status: 'succeeded', resumedFrom: dead.id, contextsTotal: 2, contextsDone: 1, contextsSkipped: 1 });
    expect(run.contexts!.find((c) => c.contextId === big.contextId)).toMatchObject({ outcome: 'refreshed', carriedOver: true });
    // Only the context the interrupted run had not done was asked for.
    expect((await membershipRequests()) - before).toBe(1);
    const old = await client.request('GET', `/v1/sync/runs/${dead.id}`);
    expect(old.body.status).toBe('interrupted');
  });

  it('refreshes one named context on demand, and rejects a context without its platform', async () => {
    const run = await refresh({ platformId, contextId: dormant.contextId });
    // Named explicitly, a dormant context is refreshed whatever its age (its roster: the instructor who launched).
    expect(run).toMatchObject({ status: 'succeeded', contextsTotal: 1, contextsDone: 1, membersSeen: 1 });
    const bad = await client.request('POST', '/v1/sync/rosters', { contextId: 'x' });
    expect(bad.status).toBe(400);
    expect(String(bad.body.message)).toContain('platformId');
  });
});
