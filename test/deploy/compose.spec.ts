import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { loadConfig } from '@app/config';
import { parseEmulatorConfig } from '../../apps/ltiaas-emulator/src/config/emulator.config';
import { backfillEnv } from '../../apps/grading/src/cli/backfill';
import { vaultEnv } from '../../apps/credential-vault/src/vault.config';
import { launchEnv } from '../../apps/launch/src/launch.config';
import { APPS, hostAndPort, INFRASTRUCTURE_APPS, interpolate, readText, readYaml, ROOT, sampleSecrets } from './deploy-support';

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string; target?: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string | number> | string[];
  ports?: (string | number)[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string[]; interval?: string; timeout?: string; retries?: number; start_period?: string };
  restart?: string;
  profiles?: string[];
  stop_grace_period?: string;
}

const compose = readYaml<{ services: Record<string, ComposeService>; volumes?: Record<string, unknown> }>('docker-compose.yml');
const services = compose.services;
const secrets = sampleSecrets();

/** A service's environment as Compose hands it over when no .env is present. */
function rawEnv(service: ComposeService): Record<string, string> {
  const entries = Array.isArray(service.environment)
    ? service.environment.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)])
    : Object.entries(service.environment ?? {});
  return Object.fromEntries(entries.map(([k, v]) => [k, interpolate(String(v))]));
}

/** Mount point → volume name, for the named volumes a service mounts. */
function mounts(service: ComposeService): Map<string, string> {
  return new Map((service.volumes ?? []).map((v) => v.split(':')).map(([source, target]) => [target, source]));
}

/** Files that one-shot services write into a volume: volume → file name → the service that writes it. */
function producedFiles(): Map<string, Map<string, string>> {
  const produced = new Map<string, Map<string, string>>();
  const add = (volume: string, file: string, by: string) => {
    if (!produced.has(volume)) produced.set(volume, new Map());
    produced.get(volume)!.set(file, by);
  };
  // local-secrets runs generate-local-secrets.mjs: it writes one file per secret into SECRETS_DIR.
  const local = services['local-secrets'];
  const localDir = rawEnv(local).SECRETS_DIR;
  for (const file of Object.keys(secrets.files)) add(mounts(local).get(localDir)!, file, 'local-secrets');
  // grading-key writes grading's API key to GRADING_KEY_PATH.
  const keyPath = rawEnv(services['grading-key']).GRADING_KEY_PATH;
  add(mounts(services['grading-key']).get(dirname(keyPath))!, basename(keyPath), 'grading-key');
  return produced;
}

/**
 * The environment the app's process sees: NAME_FILE entries become NAME (the
 * image's entrypoint does that), their contents taken from what the one-shot
 * services produce. Fails when a file would not be there.
 */
function appEnv(name: string): Record<string, string> {
  const service = services[name];
  const env = rawEnv(service);
  const produced = producedFiles();
  const dependsOn = service.depends_on as Record<string, { condition: string }>;
  for (const [key, path] of Object.entries(env)) {
    if (!key.endsWith('_FILE')) continue;
    const volume = mounts(service).get(dirname(path));
    if (!volume) throw new Error(`${name}: ${key} points into ${dirname(path)}, which it does not mount`);
    const producer = produced.get(volume)?.get(basename(path));
    if (!producer) throw new Error(`${name}: nothing writes ${basename(path)} into volume ${volume}`);
    if (dependsOn?.[producer]?.condition !== 'service_completed_successfully') throw new Error(`${name}: does not wait for ${producer} to write ${basename(path)}`);
    const variable = key.slice(0, -'_FILE'.length);
    env[variable] = secrets.files[basename(path)] ?? secrets.values[variable as keyof typeof secrets.values];
    delete env[key];
  }
  return env;
}

function containerPorts(service: ComposeService): number[] {
  return (service.ports ?? []).map((p) => Number(String(p).split(':').pop()));
}

function publishedPort(service: ComposeService, containerPort: number): number | undefined {
  const mapping = (service.ports ?? []).map(String).find((p) => Number(p.split(':').pop()) === containerPort);
  return mapping ? Number(mapping.split(':').slice(-2)[0]) : undefined;
}

function healthcheckUrl(service: ComposeService): string {
  const test = service.healthcheck!.test.join(' ');
  const url = /https?:\/\/[^\s"']+/.exec(test);
  if (!url) throw new Error(`no URL in healthcheck ${test}`);
  return url[0];
}

const EMULATOR_PORT_DEFAULT = 3100;

describe('docker-compose.yml', () => {
  it('runs Kafka from apache/kafka at the version the tests run by default, as one combined KRaft broker and controller', () => {
    const kafka = services.kafka;
    const env = rawEnv(kafka);
    const tested = /DEFAULT_KAFKA_VERSION = '([\d.]+)'/.exec(readText('scripts/lib/infra.mjs'))![1];
    expect(kafka.image).toBe(`apache/kafka:${tested}`);
    expect(env.KAFKA_PROCESS_ROLES.split(',').sort()).toEqual(['broker', 'controller']);
    expect(env.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe(`${env.KAFKA_NODE_ID}@kafka:9093`);
    expect(env.KAFKA_LISTENERS).toContain(`${env.KAFKA_CONTROLLER_LISTENER_NAMES}://:9093`);
    // Kafka formats its storage with a base64url UUID: 16 bytes.
    expect(env.CLUSTER_ID).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(env.CLUSTER_ID, 'base64url')).toHaveLength(16);
    // Every listener has a protocol, and what is advertised is a listener.
    const protocols = new Set(env.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP.split(',').map((p) => p.split(':')[0]));
    const listeners = env.KAFKA_LISTENERS.split(',').map((l) => l.split(':')[0]);
    expect(listeners.every((l) => protocols.has(l))).toBe(true);
    expect(env.KAFKA_ADVERTISED_LISTENERS.split(',').every((l) => listeners.includes(l.split(':')[0]))).toBe(true);
    expect(mounts(kafka).get(env.KAFKA_LOG_DIRS)).toBe('kafka-data');
  });

  it('runs PostgreSQL 16 with the database the apps use', () => {
    expect(services.postgres.image).toMatch(/^postgres:16(-|$)/);
    const pg = rawEnv(services.postgres);
    for (const { name } of INFRASTRUCTURE_APPS) expect({ name, path: new URL(appEnv(name).DATABASE_URL).pathname }).toEqual({ name, path: `/${pg.POSTGRES_DB}` });
    // Only db-setup logs in as the superuser, to create the roles.
    const admin = new URL(rawEnv(services['db-setup']).DATABASE_ADMIN_URL);
    expect([decodeURIComponent(admin.username), decodeURIComponent(admin.password), admin.pathname]).toEqual([pg.POSTGRES_USER, pg.POSTGRES_PASSWORD, `/${pg.POSTGRES_DB}`]);
  });

  it.each([
    { name: 'launch', role: 'lti_launch', password: 'DB_LAUNCH_PASSWORD' },
    { name: 'credential-vault', role: 'lti_vault', password: 'DB_VAULT_PASSWORD' },
    { name: 'grading', role: 'lti_grading', password: 'DB_GRADING_PASSWORD' },
  ])('logs $name in as its own role $role, with the password db-setup gives that role, and never migrates', ({ name, role, password }) => {
    const env = appEnv(name);
    const db = new URL(env.DATABASE_URL);
    expect(decodeURIComponent(db.username)).toBe(role);
    expect(decodeURIComponent(db.password)).toBe(secrets.files[password]);
    expect(rawEnv(services['db-setup'])[`${password}_FILE`]).toBe(`/run/lti-secrets/${password}`);
    expect(env.MIGRATIONS_RUN).toBe('false');
    expect(env.MIGRATIONS_URL).toBeUndefined();
    expect((services[name].depends_on as Record<string, { condition: string }>)['db-setup'].condition).toBe('service_completed_successfully');
  });

  it('creates the roles and migrates as the migration role in db-setup', () => {
    const setup = services['db-setup'];
    expect(setup.command!.join(' ')).toMatch(/node scripts\/db-roles\.mjs && node scripts\/migrate\.mjs/);
    const migrations = new URL(secrets.files[basename(rawEnv(setup).MIGRATIONS_URL_FILE)]);
    expect([migrations.hostname, decodeURIComponent(migrations.username), decodeURIComponent(migrations.password)]).toEqual(['postgres', 'lti_migrator', secrets.files.DB_MIGRATOR_PASSWORD]);
    expect((setup.depends_on as Record<string, { condition: string }>).postgres.condition).toBe('service_healthy');
  });

  it.each(APPS)('gives $name every variable its configuration requires', ({ name, schema }) => {
    expect(() => loadConfig(schema, appEnv(name))).not.toThrow();
  });

  it('gives the emulator a valid configuration with the admin API on', () => {
    const config = parseEmulatorConfig(rawEnv(services['ltiaas-emulator']));
    expect(config.adminKey).toBeDefined();
  });

  it('gives the backfill tool a valid configuration', () => {
    expect(() => loadConfig(backfillEnv, rawEnv(services.backfill))).not.toThrow();
  });

  it('seals with the key pair the vault opens: launch and the vault get the two halves of one pair', () => {
    const vault = loadConfig(vaultEnv, appEnv('credential-vault'));
    const launch = loadConfig(launchEnv, appEnv('launch'));
    expect(vault.VAULT_SEAL_PRIVATE_JWK.map((k) => k.kid)).toEqual([launch.VAULT_SEAL_PUBLIC_JWK.kid]);
  });

  it('signs with the key the vault and grading believe: launch holds the private half, they hold its public key', () => {
    const launch = loadConfig(launchEnv, appEnv('launch'));
    for (const name of ['credential-vault', 'grading'] as const) {
      const config = loadConfig(APPS.find((a) => a.name === name)!.schema, appEnv(name)) as { LAUNCH_SIGNING_PUBLIC_JWKS: Array<{ kid: string }> };
      expect(config.LAUNCH_SIGNING_PUBLIC_JWKS.map((k) => k.kid)).toEqual([launch.LAUNCH_SIGNING_PRIVATE_JWK.kid]);
    }
  });

  it.each([
    ...APPS.map(({ name, portVar }) => ({ name, portVar })),
    { name: 'ltiaas-emulator', portVar: 'EMULATOR_PORT' },
  ])('serves, publishes and health-checks $name on its one port', ({ name, portVar }) => {
    const service = services[name];
    const port = Number(rawEnv(service)[portVar]);
    expect(port).toBeGreaterThan(0);
    expect(containerPorts(service)).toEqual([port]);
    expect(publishedPort(service, port)).toBe(port);
    const health = new URL(healthcheckUrl(service));
    expect(Number(health.port)).toBe(port);
    expect(health.pathname).toBe('/health/ready');
    expect(service.healthcheck!.retries).toBeGreaterThan(0);
  });

  it('names only real services in depends_on, waiting for what each can report', () => {
    for (const [name, service] of Object.entries(services)) {
      const dependsOn = service.depends_on ?? {};
      expect(Array.isArray(dependsOn)).toBe(false);
      for (const [dependency, { condition }] of Object.entries(dependsOn as Record<string, { condition: string }>)) {
        expect({ service: name, dependency, exists: dependency in services }).toEqual({ service: name, dependency, exists: true });
        if (condition === 'service_healthy') expect({ dependency, healthcheck: Boolean(services[dependency].healthcheck) }).toEqual({ dependency, healthcheck: true });
        else expect({ dependency, condition, oneShot: services[dependency].restart }).toEqual({ dependency, condition: 'service_completed_successfully', oneShot: 'no' });
      }
    }
  });

  it.each(INFRASTRUCTURE_APPS)('starts $name only once PostgreSQL and Kafka are healthy', ({ name }) => {
    const dependsOn = services[name].depends_on as Record<string, { condition: string }>;
    expect(dependsOn.postgres.condition).toBe('service_healthy');
    expect(dependsOn.kafka.condition).toBe('service_healthy');
  });

  it('connects services by service name and the port each listens on', () => {
    const portOf = (name: string, variable: string) => Number(rawEnv(services[name])[variable]);
    const kafkaAdvertised = rawEnv(services.kafka).KAFKA_ADVERTISED_LISTENERS.split(',').find((l) => l.startsWith('PLAINTEXT://'))!.slice('PLAINTEXT://'.length);
    for (const { name } of INFRASTRUCTURE_APPS) {
      const env = appEnv(name);
      expect({ name, brokers: env.KAFKA_BROKERS }).toEqual({ name, brokers: kafkaAdvertised });
      expect({ name, db: hostAndPort(env.DATABASE_URL.replace(/^postgres/, 'http')) }).toEqual({ name, db: { host: 'postgres', port: 5432 } });
      if (env.LTIAAS_URL) {
        expect({ name, ltiaas: hostAndPort(env.LTIAAS_URL) }).toEqual({ name, ltiaas: { host: 'ltiaas-emulator', port: portOf('ltiaas-emulator', 'EMULATOR_PORT') } });
        expect((services[name].depends_on as Record<string, unknown>)['ltiaas-emulator']).toBeDefined();
        expect(env.LTIAAS_API_KEY).toBe(rawEnv(services['ltiaas-emulator']).LTIAAS_API_KEY);
      }
    }
    expect(hostAndPort(appEnv('grading').VAULT_URL)).toEqual({ host: 'credential-vault', port: portOf('credential-vault', 'VAULT_PORT') });
    expect(hostAndPort(appEnv('console').VAULT_URL)).toEqual({ host: 'credential-vault', port: portOf('credential-vault', 'VAULT_PORT') });
    expect(hostAndPort(appEnv('console').GRADING_URL)).toEqual({ host: 'grading', port: portOf('grading', 'GRADING_PORT') });
    expect(services.console.depends_on).toMatchObject({ 'credential-vault': { condition: 'service_healthy' }, grading: { condition: 'service_healthy' } });
    expect(hostAndPort(rawEnv(services['grading-key']).VAULT_URL)).toEqual({ host: 'credential-vault', port: portOf('credential-vault', 'VAULT_PORT') });
    // Handed to grading in line-item URLs: must resolve inside the network.
    expect(hostAndPort(rawEnv(services['ltiaas-emulator']).EMULATOR_PUBLIC_URL)).toEqual({ host: 'ltiaas-emulator', port: portOf('ltiaas-emulator', 'EMULATOR_PORT') });
    expect(rawEnv(services.backfill).KAFKA_BROKERS).toBe(kafkaAdvertised);
  });

  it('sends browsers to launch through the port published on the host', () => {
    const launchPort = publishedPort(services.launch, Number(rawEnv(services.launch).LAUNCH_PORT));
    const target = new URL(rawEnv(services['ltiaas-emulator']).EMULATOR_LAUNCH_TARGET);
    expect([target.hostname, Number(target.port), target.pathname]).toEqual(['localhost', launchPort, '/launch']);
    const tool = new URL(appEnv('launch').TOOL_APP_URL);
    expect([tool.hostname, Number(tool.port)]).toEqual(['localhost', launchPort]);
  });

  it('keeps secrets out of the file: each comes from .env or is generated into a volume', () => {
    const text = readText('docker-compose.yml');
    expect(text).not.toMatch(/"kty"|ltig_[0-9A-Za-z]{20}/);
    for (const variable of ['VAULT_MASTER_KEYS', 'VAULT_SEAL_PRIVATE_JWK', 'VAULT_SEAL_PUBLIC_JWK', 'LAUNCH_SIGNING_PRIVATE_JWK', 'LAUNCH_SIGNING_PUBLIC_JWKS', 'BOOTSTRAP_ADMIN_API_KEY', 'DB_MIGRATOR_PASSWORD', 'DB_LAUNCH_PASSWORD', 'DB_VAULT_PASSWORD', 'DB_GRADING_PASSWORD']) {
      expect(services['local-secrets'].environment).toHaveProperty(variable, `\${${variable}:-}`);
    }
    expect(services['grading-key'].environment).toHaveProperty('GRADING_API_KEY', '${GRADING_API_KEY:-}');
    expect(Object.keys(compose.volumes ?? {})).toContain('lti-secrets');
  });

  it('gives grading longer than its 45 s drain to stop', () => {
    expect(Number.parseInt(services.grading.stop_grace_period ?? '10s', 10)).toBeGreaterThan(45);
  });

  it('builds every image it runs from a target of the Dockerfile', () => {
    const targets = dockerfileTargets();
    for (const [name, service] of Object.entries(services)) {
      if (!service.image?.startsWith('lti-grading/')) continue;
      expect({ name, build: service.build?.context, target: targets.has(service.build?.target ?? '') }).toEqual({ name, build: '.', target: true });
      expect(service.image).toBe(`lti-grading/${service.build!.target}:local`);
    }
  });
});

/** Dockerfile stage name → the instructions in it. */
function dockerfileTargets(): Map<string, string[]> {
  const stages = new Map<string, string[]>();
  let current: string[] = [];
  const logical = readText('Dockerfile').replace(/\\\n/g, ' ').split('\n');
  for (const line of logical.map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))) {
    const from = /^FROM\s+\S+\s+AS\s+(\S+)$/i.exec(line);
    if (from) stages.set(from[1], (current = []));
    else current.push(line);
  }
  return stages;
}

describe('Dockerfile', () => {
  const stages = dockerfileTargets();

  it.each([
    ...APPS.map(({ name, portVar, defaultPort }) => ({ name, portVar, defaultPort })),
    { name: 'ltiaas-emulator', portVar: 'EMULATOR_PORT', defaultPort: EMULATOR_PORT_DEFAULT },
  ])('has a $name target that exposes, health-checks and starts that app', ({ name, portVar, defaultPort }) => {
    const stage = stages.get(name)!;
    expect(stage).toBeDefined();
    expect(stage).toContain(`ENV APP=${name}`);
    expect(stage).toContain(`EXPOSE ${defaultPort}`);
    const healthcheck = stage.find((l) => l.startsWith('HEALTHCHECK'))!;
    expect(healthcheck).toContain(`http://127.0.0.1:\${${portVar}:-${defaultPort}}/health/ready`);
  });

  it("runs the app's built entry point as a non-root user, with production dependencies only", () => {
    const runtime = stages.get('runtime')!;
    expect(runtime).toContain('USER node');
    expect(runtime.find((l) => l.startsWith('CMD'))).toContain('node dist/apps/${APP}/src/main.js');
    expect(stages.get('deps')!.join('\n')).toMatch(/npm ci --omit=dev/);
    expect(stages.get('build')!.join('\n')).toMatch(/npm ci[\s\S]*npm run build/);
    // Node.js 24 LTS: 20 left support in April 2026.
    expect(readText('Dockerfile')).toMatch(/^ARG NODE_IMAGE=node:24-alpine$/m);
  });

  it('builds from the last stage an app image by default', () => {
    expect([...stages.keys()].pop()).toBe('grading');
  });

  it('keeps secrets, dependencies and build output out of the build context', () => {
    const ignored = readText('.dockerignore').split('\n').map((l) => l.trim());
    for (const entry of ['.git', 'node_modules', 'dist', '.env', '.local']) expect(ignored).toContain(entry);
    expect(ignored).toContain('!test/support');
  });
});

describe('deploy/docker/entrypoint.sh', () => {
  const entrypoint = join(ROOT, 'deploy/docker/entrypoint.sh');
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'entrypoint-'));
    writeFileSync(join(dir, 'secret'), '{"kty":"EC", "x": "a b"}\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (env: Record<string, string>) =>
    spawnSync('sh', [entrypoint, 'sh', '-c', 'printf "%s|%s" "${SEAL:-}" "${KEPT:-}"'], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });

  it('reads NAME_FILE into NAME, whole, and runs the command', () => {
    const result = run({ SEAL_FILE: join(dir, 'secret') });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('{"kty":"EC", "x": "a b"}|');
  });

  it('leaves a variable that is already set alone', () => {
    expect(run({ KEPT: 'given', KEPT_FILE: join(dir, 'missing') }).stdout).toBe('|given');
  });

  it('stops with the variable named when its file cannot be read', () => {
    const result = run({ SEAL_FILE: join(dir, 'missing') });
    expect(result.status).toBe(78);
    expect(result.stderr).toMatch(/^Invalid configuration: SEAL: SEAL_FILE names .*missing/);
  });
});

describe('deploy/docker/generate-local-secrets.mjs', () => {
  it('keeps what it generated on the next run and writes what .env gives', () => {
    const dir = mkdtempSync(join(tmpdir(), 'local-secrets-'));
    const script = join(ROOT, 'deploy/docker/generate-local-secrets.mjs');
    const run = (env: Record<string, string> = {}) => execFileSync(process.execPath, [script], { env: { PATH: process.env.PATH, SECRETS_DIR: dir, ...env }, encoding: 'utf8' });
    try {
      run();
      const read = (name: string) => readFileSync(join(dir, name), 'utf8');
      const first = read('VAULT_MASTER_KEYS');
      expect(run()).toContain('"VAULT_MASTER_KEYS":"kept"');
      expect(read('VAULT_MASTER_KEYS')).toBe(first);
      run({ BOOTSTRAP_ADMIN_API_KEY: 'from-dot-env-0123456789' });
      expect(read('BOOTSTRAP_ADMIN_API_KEY')).toBe('from-dot-env-0123456789');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
