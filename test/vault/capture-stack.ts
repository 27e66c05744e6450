// launch and credential-vault in this process, on one suite database and
// topic prefix, in front of the LTIAAS emulator: the capture path end to end.
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Kafka } from 'kafkajs';
import { Client } from 'pg';
import type { ContextTriple } from '@app/contracts';
import { createLaunchApp } from '../../apps/launch/src/main';
import { createVaultApp } from '../../apps/credential-vault/src/main';
import { callerWithScopes, listeningUrl, type TestCaller } from '../support/auth';
import { startEmulator, type EmulatorHandle, type LaunchInput, type LaunchResult } from '../support/emulator';
import { createTestDatabase, dropTestDatabase, kafkaBrokers, testKafka, testTopicPrefix } from '../support/infra';
import { vaultSecretsEnv, type VaultSecretsEnv } from '../support/vault-env';

export interface CaptureStackOptions {
  brokers?: string;
  logLevel?: string;
  launchEnv?: Record<string, string>;
  vaultEnv?: Record<string, string>;
  /** A topic prefix chosen by the suite (topics created beforehand); default a fresh one. */
  prefix?: string;
  /** TLS and SASL variables for the suite's own Kafka client (a secured broker). */
  clientKafkaEnv?: Record<string, string>;
}

export interface StartedApp {
  app: NestFastifyApplication;
  url: string;
}

export class CaptureStack {
  /** Every serviceKey the emulator issued through launch(), in order. */
  readonly issuedKeys: string[] = [];
  launchApp!: StartedApp;
  vaultApp!: StartedApp;
  /** A service holding a vault token with `credentials:resolve`, as grading does. */
  resolver!: TestCaller;

  private constructor(
    readonly emulator: EmulatorHandle,
    readonly secrets: VaultSecretsEnv,
    readonly databaseUrl: string,
    readonly prefix: string,
    readonly brokers: string,
    readonly db: Client,
    readonly kafka: Kafka,
    private readonly options: CaptureStackOptions,
  ) {}

  static async start(suite: string, options: CaptureStackOptions = {}): Promise<CaptureStack> {
    const emulator = await startEmulator({ env: { LOG_LEVEL: 'warn' } });
    const databaseUrl = await createTestDatabase(suite);
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    const brokers = options.brokers ?? kafkaBrokers();
    const stack = new CaptureStack(emulator, await vaultSecretsEnv(), databaseUrl, options.prefix ?? testTopicPrefix(), brokers, db, testKafka(brokers, options.clientKafkaEnv ?? process.env), options);
    stack.vaultApp = await stack.startVault();
    stack.resolver = await callerWithScopes(stack.vaultApp.url, stack.bootstrapKey, ['credentials:resolve'], 'test-resolver');
    stack.launchApp = await stack.startLaunch();
    return stack;
  }

  get topic(): string {
    return `${this.prefix}lti.launch-captured.v1`;
  }

  get bootstrapKey(): string {
    return this.secrets.BOOTSTRAP_ADMIN_API_KEY;
  }

  common(): Record<string, string> {
    return { DATABASE_URL: this.databaseUrl, KAFKA_BROKERS: this.brokers, KAFKA_TOPIC_PREFIX: this.prefix, KAFKA_PARTITIONS: '3', LOG_LEVEL: this.options.logLevel ?? 'warn', HOST: '127.0.0.1' };
  }

  async startVault(env: Record<string, string> = {}): Promise<StartedApp> {
    const { app } = await createVaultApp({ ...this.secrets, ...this.common(), VAULT_PORT: '0', ...this.options.vaultEnv, ...env });
    await app.startAllMicroservices();
    await app.listen(0, '127.0.0.1');
    return { app, url: listeningUrl(app) };
  }

  async startLaunch(env: Record<string, string> = {}): Promise<StartedApp> {
    const { app } = await createLaunchApp({
      ...this.common(),
      LAUNCH_PORT: '0',
      LTIAAS_URL: this.emulator.url,
      LTIAAS_API_KEY: this.emulator.apiKey,
      VAULT_SEAL_PUBLIC_JWK: this.secrets.VAULT_SEAL_PUBLIC_JWK,
      LAUNCH_SIGNING_PRIVATE_JWK: this.secrets.LAUNCH_SIGNING_PRIVATE_JWK,
      ...this.options.launchEnv,
      ...env,
    });
    await app.listen(0, '127.0.0.1');
    return { app, url: listeningUrl(app) };
  }

  /** An LMS launch at the emulator (default AGS + NRPS); the serviceKey it issued is remembered. */
  async lmsLaunch(input: Partial<LaunchInput> & ContextTriple): Promise<LaunchResult> {
    const result = await this.emulator.admin.launch({ userId: 'learner-1', ...input });
    if (result.serviceKey) this.issuedKeys.push(result.serviceKey);
    return result;
  }

  /** What the browser does after LTIAAS: GET /launch?ltik=..., redirects not followed. */
  visit(ltik: string | undefined, headers: Record<string, string> = {}, base = this.launchApp.url): Promise<Response> {
    const query = ltik === undefined ? '' : `?ltik=${encodeURIComponent(ltik)}`;
    return fetch(`${base}/launch${query}`, { redirect: 'manual', headers });
  }

  /** A vault call with the resolver's token (or `token`; null: no Authorization header). */
  vaultCall(method: 'GET' | 'POST', path: string, body?: unknown, token: string | null = this.resolver.token): Promise<Response> {
    return fetch(`${this.vaultApp.url}${path}`, {
      method,
      headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  resolve(triple: ContextTriple): Promise<Response> {
    return this.vaultCall('POST', '/v1/credentials/resolve', triple);
  }

  /** Records on the LaunchCaptured topic so far (sum of high watermarks). */
  async topicSize(topic = this.topic): Promise<number> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
    } finally {
      await admin.disconnect();
    }
  }

  /** Whether the vault's consumer group has committed past every record of the topic. */
  async vaultCaughtUp(topic = this.topic): Promise<boolean> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const [high, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId: `${this.prefix}credential-vault`, topics: [topic] })]);
      const done = new Map(committed[0]?.partitions.map((p) => [p.partition, Number(p.offset)]) ?? []);
      return high.every((p) => Number(p.high) === 0 || (done.get(p.partition) ?? -1) >= Number(p.high));
    } finally {
      await admin.disconnect();
    }
  }

  async close(): Promise<void> {
    await this.launchApp?.app.close().catch(() => undefined);
    await this.vaultApp?.app.close().catch(() => undefined);
    await this.db.end().catch(() => undefined);
    await this.emulator.close().catch(() => undefined);
    await dropTestDatabase(this.databaseUrl).catch(() => undefined);
  }
}
