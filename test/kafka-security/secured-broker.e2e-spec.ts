// The capture and grading path end to end over a broker that takes clients
// only on SASL_SSL (SCRAM-SHA-512, a CA of the suite's own) with ACLs on:
// launch → vault → grading → the emulator's gradebook, each app its own
// principal holding only the ACLs it needs. A missing ACL keeps the vault
// not ready (naming Kafka and why) and the launch in its outbox until it is
// granted; nothing is lost. A wrong password, a principal without ACLs and an
// untrusted certificate are refused with a clear error.
import { kafkaRefusal } from '@app/messaging';
import { callerWithScopes } from '../support/auth';
import { gradingEnv, GradingClient, randomId, startGrading, type GradingHandle } from '../support/grading';
import { eventually, testKafka, testPort } from '../support/infra';
import { CaptureStack } from '../vault/capture-stack';
import { captureStdout } from '../vault/log-capture';
import { allTopics, appAcls } from './app-acls';
import { SecureBroker, type AclRule } from './secure-broker';

jest.setTimeout(300_000);

// From the block of fixed ports this suite owns.
const BROKER_PORT = Number(process.env.KAFKA_SECURITY_E2E_PORT ?? testPort(19_510));

type Health = { status: number; body: { status?: string; info?: Record<string, { status: string }>; error?: Record<string, { status: string; message?: string }> } };
const health = async (url: string, path: 'ready' | 'live'): Promise<Health> => {
  const res = await fetch(`${url}/health/${path}`);
  return { status: res.status, body: (await res.json()) as Health['body'] };
};

describe('Kafka over SASL_SSL with ACLs', () => {
  const broker = new SecureBroker(BROKER_PORT, BROKER_PORT + 1000, ['launch', 'credential-vault', 'grading', 'stranger']);
  let stack: CaptureStack;
  let grading: GradingHandle | undefined;
  const activity = { platformId: `https://lms.${randomId()}.example`, contextId: 'course-1', resourceLinkId: 'quiz-1' };

  beforeAll(async () => {
    await broker.start();
  });

  afterAll(async () => {
    await grading?.close().catch(() => undefined);
    await stack?.close();
    await broker.stop();
  });

  it('runs launch → vault → grading → LMS with one principal per app; a missing ACL holds events back, named on readiness, until granted', async () => {
    const prefix = `t-${randomId().slice(0, 8)}.`;
    await broker.createTopics(allTopics(prefix));
    // Everything but launch's write and the vault's read of LaunchCaptured.
    const launchWrite = appAcls('launch', prefix);
    const isTopicRead = (rule: AclRule) => rule.operation === 'Read' && rule.resource === 'topic';
    const vaultRead = appAcls('credential-vault', prefix).filter(isTopicRead);
    await broker.grant('credential-vault', appAcls('credential-vault', prefix).filter((rule) => !isTopicRead(rule)));
    await broker.grant('grading', appAcls('grading', prefix));

    stack = await CaptureStack.start('kafka_security', {
      brokers: broker.brokers,
      prefix,
      launchEnv: broker.clientEnv('launch'),
      vaultEnv: broker.clientEnv('credential-vault'),
      clientKafkaEnv: broker.clientEnv('admin'),
    });

    // The vault is up (HTTP, liveness) but not ready, and says which group Kafka refuses and why.
    const notReady = await eventually(async () => {
      const ready = await health(stack.vaultApp.url, 'ready');
      return ready.status === 503 && ready.body.error?.kafka ? ready : undefined;
    }, { what: 'the vault reporting Kafka down' });
    expect(notReady.body.error?.kafka.message).toMatch(new RegExp(`consumer group ${prefix.replace('.', '\\.')}credential-vault: the broker's ACLs refuse this principal \\(TOPIC_AUTHORIZATION_FAILED\\)`));
    expect((await health(stack.vaultApp.url, 'live')).status).toBe(200);

    // A launch while launch may not write: the user goes on, the event waits in the outbox.
    await stack.emulator.admin.enroll(activity.platformId, activity.contextId, [{ userId: 'learner-1', roles: ['Learner'] }]);
    const lms = await stack.lmsLaunch({ ...activity, userId: 'instructor-1', roles: ['Instructor'], lineItem: { label: 'Quiz 1', scoreMaximum: 10 } });
    expect((await stack.visit(lms.ltik)).status).toBe(302);
    await eventually(async () => Number((await stack.db.query('SELECT count(*) AS n FROM launch.outbox')).rows[0].n) === 1, { what: 'the launch waiting in the outbox' });

    await broker.grant('launch', launchWrite);
    await broker.grant('credential-vault', vaultRead);
    const resolved = await eventually(async () => {
      const res = await stack.resolve(activity);
      return res.status === 200 ? ((await res.json()) as { serviceKey: string }) : undefined;
    }, { timeoutMs: 90_000, what: 'the serviceKey in the vault' });
    expect(resolved.serviceKey).toBe(lms.serviceKey);
    await eventually(async () => (await health(stack.vaultApp.url, 'ready')).status === 200, { timeoutMs: 60_000, what: 'the vault ready again' });

    // grading, as its own principal, takes a score over HTTP and delivers it to the LMS.
    const gradingKey = await callerWithScopes(stack.vaultApp.url, stack.bootstrapKey, ['credentials:resolve', 'revocations:read'], 'grading-service');
    const grader = new GradingClient(() => grading!.url, stack.vaultApp.url, (await callerWithScopes(stack.vaultApp.url, stack.bootstrapKey, ['scores:write', 'scores:read'], 'grader')).apiKey);
    grading = await startGrading(
      gradingEnv({
        databaseUrl: stack.databaseUrl,
        brokers: broker.brokers,
        topicPrefix: prefix,
        ltiaasUrl: stack.emulator.url,
        ltiaasApiKey: stack.emulator.apiKey,
        vaultUrl: stack.vaultApp.url,
        gradingApiKey: gradingKey.apiKey,
        overrides: broker.clientEnv('grading'),
      }),
    );
    const score = { ...activity, userId: 'learner-1', scoreGiven: 8, scoreMaximum: 10, activityProgress: 'Completed', gradingProgress: 'FullyGraded', timestamp: new Date().toISOString() };
    expect((await grader.request('POST', '/v1/scores', score)).status).toBe(202);
    const [entry] = await eventually(async () => {
      const entries = await stack.emulator.admin.gradebook({ platformId: activity.platformId, userId: 'learner-1' });
      return entries.length ? entries : undefined;
    }, { timeoutMs: 120_000, what: 'the score in the LMS gradebook' });
    expect(entry).toMatchObject({ scoreGiven: 8 });
    expect((await health(grading.url, 'ready')).status).toBe(200);
  });

  it('refuses a wrong password with a clear error; an app given it stays up, says why on /health/ready and never logs the password', async () => {
    const wrong = `not-the-password-${randomId()}`;
    const refused = await broker.client('grading', wrong).admin().connect().then(() => undefined, (error: unknown) => error);
    expect(kafkaRefusal(refused)).toMatch(/^the broker refused our SASL credentials \(KAFKA_SASL_USERNAME \/ KAFKA_SASL_PASSWORD\): SASL SCRAM SHA512 authentication failed/);

    const logs = captureStdout();
    try {
      const vault = await stack.startVault({ ...broker.clientEnv('credential-vault', wrong), LOG_LEVEL: 'info' });
      try {
        const ready = await health(vault.url, 'ready');
        expect(ready.status).toBe(503);
        expect(ready.body.error?.kafka.message).toMatch(/the broker refused our SASL credentials/);
        expect((await health(vault.url, 'live')).status).toBe(200);
        const metrics = await (await fetch(`${vault.url}/metrics`)).text();
        expect(metrics).not.toContain(wrong);
      } finally {
        await vault.app.close();
      }
    } finally {
      logs.stop();
    }
    expect(logs.text()).toMatch(/SASL SCRAM SHA512 authentication failed/);
    expect(logs.text()).not.toContain(wrong);
    for (const password of Object.values(broker.passwords)) expect(logs.text()).not.toContain(password);
  });

  it('refuses a principal without the ACL, naming the ACL failure', async () => {
    const producer = broker.client('stranger').producer();
    await producer.connect();
    try {
      const refused = await producer.send({ topic: stack.topic, messages: [{ key: 'k', value: 'forged' }] }).then(() => undefined, (error: unknown) => error);
      expect(kafkaRefusal(refused)).toMatch(/^the broker's ACLs refuse this principal \(TOPIC_AUTHORIZATION_FAILED\)/);
    } finally {
      await producer.disconnect();
    }
    const consumer = broker.client('stranger').consumer({ groupId: `${stack.prefix}credential-vault` });
    await consumer.connect();
    try {
      const refused = await consumer.subscribe({ topic: stack.topic, fromBeginning: true }).then(() => undefined, (error: unknown) => error);
      expect(kafkaRefusal(refused)).toMatch(/^the broker's ACLs refuse this principal \(TOPIC_AUTHORIZATION_FAILED\)/);
    } finally {
      await consumer.disconnect();
    }
  });

  it('refuses a broker whose certificate is not signed by the configured CA', async () => {
    const kafka = testKafka(broker.brokers, { ...broker.clientEnv('admin'), KAFKA_SSL_CA_FILE: broker.otherCaFile });
    const refused = await kafka.admin({ retry: { retries: 0 } }).connect().then(() => undefined, (error: unknown) => error);
    expect(kafkaRefusal(refused)).toMatch(/^the broker's TLS certificate is not trusted \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)/);
  });
});
