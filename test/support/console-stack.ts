// The operator console over a stack with something to show: the emulator, the
// vault and grading (in this process), a launched course whose learner's grade
// was delivered, a few deliveries throttled on the way, a dead letter (a score
// for a learner the LMS does not know yet), a score waiting for a launch, a
// roster refresh that taught grading the learners' emails, and the console
// itself in front of the vault and grading.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { GradingClient } from './grading';
import { eventually } from './infra';
import { finishedRun, launchRecorded, startStackGrading, startSyncStack, type SyncStack } from './sync-jobs';

export const CONSOLE_STATIC_DIR = join(__dirname, '..', '..', 'dist', 'apps', 'console', 'public');

export const DEMO = {
  platformId: 'https://canvas.example.edu',
  contextId: 'course-101',
  resourceLinkId: 'quiz-1',
  launchLineItem: { label: 'Quiz 1', scoreMaximum: 100 },
  learner: { userId: 'student-1', name: 'Ada Lovelace', email: 'ada.lovelace@example.edu' },
  /** Not enrolled when the score is sent: the LMS refuses it (422) and it becomes a dead letter. */
  lateLearner: 'student-late',
  /** A course nobody launched yet: its score waits for the launch that brings a serviceKey. */
  unlaunched: { contextId: 'course-202', resourceLinkId: 'essay-3' },
  classmates: Array.from({ length: 8 }, (_, i) => `student-${i + 2}`),
};

export interface ConsoleStack {
  stack: SyncStack;
  gradingUrl: string;
  consoleUrl: string;
  /** An admin client for grading, straight (not through the console). */
  admin: GradingClient;
  /** Creates a vault key with these scopes; answers its secret. */
  issueKey(handle: string, scopes: string[]): Promise<string>;
  deadLetterId: string;
  close(): Promise<void>;
}

export async function startConsoleStack(suite: string, consolePort: number): Promise<ConsoleStack> {
  if (!existsSync(join(CONSOLE_STATIC_DIR, 'index.html'))) throw new Error(`${CONSOLE_STATIC_DIR} has no built console: run node scripts/build.mjs first`);
  const stack = await startSyncStack(suite);
  const closers: Array<() => Promise<unknown>> = [() => stack.close()];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    const grading = await startStackGrading(stack, { DELIVERY_BACKOFF_BASE_MS: '100', DELIVERY_BACKOFF_MAX_MS: '300', DOCS_ENABLED: 'true' });
    closers.push(() => grading.close());
    const admin = stack.client(() => grading.url);
    await seed(stack, admin);
    const consoleApp = await startConsole({ VAULT_URL: stack.vault.url, GRADING_URL: grading.url, CONSOLE_PORT: String(consolePort) });
    closers.push(() => consoleApp.close());
    const deadLetterId = (await admin.request('GET', '/v1/dead-letters?kind=delivery&open=true')).body.deadLetters[0].id as string;
    return {
      stack,
      gradingUrl: grading.url,
      consoleUrl: `http://127.0.0.1:${consolePort}`,
      admin,
      issueKey: (handle, scopes) => stack.vault.issueKey(handle, scopes),
      deadLetterId,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

async function startConsole(env: Record<string, string>): Promise<NestFastifyApplication> {
  const { createConsoleApp } = await import('../../apps/console/src/main');
  const { app, port } = await createConsoleApp({ HOST: '127.0.0.1', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn', CONSOLE_STATIC_DIR, ...env });
  await app.listen(port, '127.0.0.1');
  return app;
}

const score = (userId: string, scoreGiven: number, over: Record<string, unknown> = {}) => ({
  platformId: DEMO.platformId,
  contextId: DEMO.contextId,
  resourceLinkId: DEMO.resourceLinkId,
  userId,
  scoreGiven,
  scoreMaximum: 100,
  activityProgress: 'Completed',
  gradingProgress: 'FullyGraded',
  timestamp: new Date().toISOString(),
  ...over,
});

async function seed(stack: SyncStack, admin: GradingClient): Promise<void> {
  const { platformId, contextId, resourceLinkId } = DEMO;
  await stack.emulator.admin.enroll(platformId, contextId, [
    { userId: DEMO.learner.userId, roles: ['Learner'], name: DEMO.learner.name, email: DEMO.learner.email },
    ...DEMO.classmates.map((userId) => ({ userId, roles: ['Learner'], email: `${userId}@example.edu` })),
  ]);
  await stack.launcher.launch(DEMO);
  await launchRecorded(stack, DEMO);

  // The LMS throttles the first few deliveries: the chart shows them beside the deliveries.
  await stack.emulator.admin.setFaults({ rules: [{ kind: 'too-many-requests', retryAfterSeconds: 0, endpoints: ['scores.post'], times: 3 }] });
  const scores = [score(DEMO.learner.userId, 87), ...DEMO.classmates.map((u, i) => score(u, 60 + i * 4))];
  expectAccepted(await admin.request('POST', '/v1/scores/batch', { scores }));
  await eventually(async () => Number((await stack.sql<{ n: string }>(`SELECT count(*) AS n FROM grading.scores WHERE status = 'delivered'`))[0].n) === scores.length, {
    timeoutMs: 60_000,
    what: 'the demo scores to be delivered',
  });
  await stack.emulator.admin.clearFaults();

  expectAccepted(await admin.request('POST', '/v1/scores', score(DEMO.lateLearner, 72)));
  await eventually(async () => (await stack.sql(`SELECT 1 FROM grading.dead_letters WHERE user_id = $1`, [DEMO.lateLearner])).length > 0, { what: 'the dead letter' });

  expectAccepted(await admin.request('POST', '/v1/scores', score(DEMO.learner.userId, 91, DEMO.unlaunched)));
  await eventually(async () => (await stack.sql(`SELECT 1 FROM grading.scores WHERE status = 'waiting_for_launch'`)).length > 0, { what: 'a score waiting for launch' });

  const run = await admin.request('POST', '/v1/sync/rosters', {});
  if (run.status !== 202) throw new Error(`roster refresh refused: ${run.status} ${JSON.stringify(run.body)}`);
  await finishedRun(admin, run.body.id);
}

function expectAccepted(res: { status: number; body: unknown }): void {
  if (res.status !== 202) throw new Error(`grading refused the score: ${res.status} ${JSON.stringify(res.body)}`);
}
