import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '@app/config';
import { APPS, hostAndPort, readText, readYaml, readYamlDocuments, ROOT, sampleSecrets, SECRET_KEYS } from './deploy-support';

interface Probe {
  httpGet?: { path: string; port: string | number };
  periodSeconds?: number;
  failureThreshold?: number;
  timeoutSeconds?: number;
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } };
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  env?: EnvVar[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  securityContext?: Record<string, unknown>;
}
interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  enableServiceLinks?: boolean;
  restartPolicy?: string;
  securityContext?: Record<string, unknown>;
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: {
    replicas?: number;
    selector?: { matchLabels: Record<string, string> } | Record<string, string>;
    template?: { metadata?: { labels?: Record<string, string> }; spec: PodSpec };
    ports?: { name?: string; port: number; targetPort: string | number }[];
    maxUnavailable?: number | string;
    minAvailable?: number | string;
  };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

const DIR = 'deploy/k8s';
const kustomization = readYaml<{ resources: string[]; images?: { name: string }[]; namespace?: string }>(`${DIR}/kustomization.yaml`);
const manifests = kustomization.resources.flatMap((file) => readYamlDocuments<Manifest>(`${DIR}/${file}`));
const find = (kind: string, name: string) => manifests.find((m) => m.kind === kind && m.metadata.name === name);
const deployment = (name: string) => find('Deployment', name)!;
const container = (name: string) => deployment(name).spec!.template!.spec.containers[0];
const configMap = find('ConfigMap', 'lti-config')!;
const exampleSecrets = readYamlDocuments<Manifest>(`${DIR}/secrets.example.yaml`);
const samples = sampleSecrets().values;

const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) => Object.entries(selector).every(([k, v]) => labels[k] === v);
const podLabels = (m: Manifest) => m.spec!.template!.metadata!.labels!;

/** The environment the container starts with; secrets resolve to samples of the right shape. */
function containerEnv(c: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of c.envFrom ?? []) {
    if (source.configMapRef) Object.assign(env, find('ConfigMap', source.configMapRef.name)!.data);
  }
  for (const variable of c.env ?? []) {
    const ref = variable.valueFrom?.secretKeyRef;
    env[variable.name] = ref ? samples[ref.key as keyof typeof samples] : (variable.value ?? '');
  }
  return env;
}

function portNumber(c: Container, port: string | number): number | undefined {
  return typeof port === 'number' ? port : c.ports?.find((p) => p.name === port)?.containerPort;
}

const allPodSpecs = manifests.filter((m) => m.spec?.template).map((m) => ({ name: `${m.kind}/${m.metadata.name}`, spec: m.spec!.template!.spec }));
const secretRefs = allPodSpecs.flatMap(({ name, spec }) =>
  spec.containers.flatMap((c) => (c.env ?? []).filter((e) => e.valueFrom?.secretKeyRef).map((e) => ({ workload: name, variable: e.name, ...e.valueFrom!.secretKeyRef! }))),
);

describe('deploy/k8s', () => {
  it('lists resources that exist, in a namespace of their own', () => {
    for (const file of kustomization.resources) expect(existsSync(join(ROOT, DIR, file))).toBe(true);
    expect(kustomization.namespace).toBe('lti-grading');
    expect(manifests.every((m) => m.apiVersion && m.kind && m.metadata?.name)).toBe(true);
  });

  it.each(APPS)('runs $name as a Deployment behind a Service on its port', ({ name, portVar }) => {
    const d = deployment(name);
    const service = find('Service', name)!;
    expect(service).toBeDefined();
    expect(matches(d.spec!.selector!.matchLabels as Record<string, string>, podLabels(d))).toBe(true);
    expect(matches(service.spec!.selector as Record<string, string>, podLabels(d))).toBe(true);
    const port = Number(configMap.data![portVar]);
    expect(container(name).ports).toEqual([{ name: 'http', containerPort: port }]);
    expect(service.spec!.ports).toEqual([{ name: 'http', port, targetPort: 'http' }]);
    expect(d.spec!.replicas).toBeGreaterThanOrEqual(2);
  });

  it('does not deploy the emulator', () => {
    expect(manifests.some((m) => m.metadata.name.includes('emulator'))).toBe(false);
  });

  it.each(APPS)('probes $name: started and alive on /health/live, ready on /health/ready, all on its port', ({ name, portVar }) => {
    const c = container(name);
    const port = Number(configMap.data![portVar]);
    const probes = { startup: c.startupProbe, liveness: c.livenessProbe, readiness: c.readinessProbe };
    expect(Object.fromEntries(Object.entries(probes).map(([k, p]) => [k, p?.httpGet?.path]))).toEqual({ startup: '/health/live', liveness: '/health/live', readiness: '/health/ready' });
    for (const probe of Object.values(probes)) expect(portNumber(c, probe!.httpGet!.port)).toBe(port);
    // Boot (migrations included) gets a minute before liveness takes over.
    expect(c.startupProbe!.periodSeconds! * c.startupProbe!.failureThreshold!).toBeGreaterThanOrEqual(60);
  });

  it.each(APPS)('gives $name the variables its configuration requires', ({ name, schema }) => {
    expect(() => loadConfig(schema, containerEnv(container(name)))).not.toThrow();
  });

  it.each(APPS)('bounds $name with requests and limits, its heap inside the memory limit', ({ name }) => {
    const { requests, limits } = container(name).resources ?? {};
    expect(Object.keys(requests ?? {}).sort()).toEqual(['cpu', 'memory']);
    expect(Object.keys(limits ?? {}).sort()).toEqual(['cpu', 'memory']);
    const limitMi = Number(/^(\d+)Mi$/.exec(limits!.memory)![1]);
    const heapMb = Number(/--max-old-space-size=(\d+)/.exec(containerEnv(container(name)).NODE_OPTIONS ?? '')?.[1]);
    expect(heapMb).toBeGreaterThan(0);
    expect(heapMb).toBeLessThan(limitMi * 0.8);
  });

  it('reads every key from a Secret, never from the ConfigMap', () => {
    expect([...new Set(secretRefs.map((r) => r.key))].sort()).toEqual([...SECRET_KEYS].sort());
    for (const key of SECRET_KEYS) expect(configMap.data).not.toHaveProperty(key);
    for (const ref of secretRefs) expect(ref.variable).toBe(ref.key);
  });

  it('names in every secretKeyRef a Secret and key that are documented', () => {
    const documented = new Set(exampleSecrets.flatMap((s) => Object.keys(s.stringData ?? {}).map((key) => `${s.metadata.name}/${key}`)));
    const readme = readText(`${DIR}/README.md`);
    for (const ref of secretRefs) {
      expect({ ref: `${ref.name}/${ref.key}`, documented: documented.has(`${ref.name}/${ref.key}`) }).toEqual({ ref: `${ref.name}/${ref.key}`, documented: true });
      expect(readme).toContain(ref.name);
      expect(readme).toContain(ref.key);
    }
    // The example is documentation, never applied.
    expect(kustomization.resources).not.toContain('secrets.example.yaml');
  });

  it('points the apps at the vault through its Service', () => {
    const vault = find('Service', 'credential-vault')!;
    expect(hostAndPort(configMap.data!.VAULT_URL)).toEqual({ host: vault.metadata.name, port: vault.spec!.ports![0].port });
  });

  it('keeps Service links from overriding the port variables', () => {
    for (const { name, spec } of allPodSpecs) expect({ name, enableServiceLinks: spec.enableServiceLinks }).toEqual({ name, enableServiceLinks: false });
  });

  it('runs every container as a non-root user without privilege escalation', () => {
    for (const { name, spec } of allPodSpecs) {
      expect({ name, runAsNonRoot: spec.securityContext?.runAsNonRoot }).toEqual({ name, runAsNonRoot: true });
      for (const c of spec.containers) expect({ name, escalation: c.securityContext?.allowPrivilegeEscalation }).toEqual({ name, escalation: false });
    }
  });

  it('gives grading time to drain (45 s, and never less than its own shutdown deadline) after the pre-stop pause', () => {
    const spec = deployment('grading').spec!.template!.spec;
    const preStop = Number(spec.containers[0].lifecycle?.preStop?.exec?.command.at(-1) ?? 0);
    const grading = APPS.find((a) => a.name === 'grading')!;
    const { SHUTDOWN_TIMEOUT_MS } = loadConfig(grading.schema, containerEnv(spec.containers[0])) as { SHUTDOWN_TIMEOUT_MS: number };
    // The process gives up on its own SHUTDOWN_TIMEOUT_MS + 10 s after SIGTERM (apps/grading/src/jobs/shutdown-deadline.ts).
    const drainSeconds = Math.max(45, SHUTDOWN_TIMEOUT_MS / 1000 + 10);
    expect(spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(preStop + drainSeconds);
  });

  it('keeps grading available through voluntary disruptions with a PodDisruptionBudget on its pods only', () => {
    const pdb = find('PodDisruptionBudget', 'grading')!;
    expect(pdb).toBeDefined();
    const selector = (pdb.spec!.selector as { matchLabels: Record<string, string> }).matchLabels;
    expect(matches(selector, podLabels(deployment('grading')))).toBe(true);
    for (const other of APPS.filter((a) => a.name !== 'grading')) expect(matches(selector, podLabels(deployment(other.name)))).toBe(false);
    expect(pdb.spec!.maxUnavailable ?? pdb.spec!.minAvailable).toBeDefined();
  });

  it('migrates with a Job that runs scripts/migrate.mjs against the database Secret', () => {
    const job = manifests.find((m) => m.kind === 'Job')!;
    const spec = job.spec!.template!.spec;
    const c = spec.containers[0];
    expect(c.args).toEqual(['node', 'scripts/migrate.mjs']);
    expect(c.command).toBeUndefined(); // keeps the image's entrypoint (tini, NAME_FILE)
    expect(['OnFailure', 'Never']).toContain(spec.restartPolicy);
    expect(containerEnv(c).DATABASE_URL).toBe(samples.DATABASE_URL);
    expect(configMap.data!.MIGRATIONS_RUN).toMatch(/^(true|false)$/);
  });

  it('names every image it runs in the kustomization, so a release sets them in one place', () => {
    const named = new Set((kustomization.images ?? []).map((i) => i.name));
    for (const { spec } of allPodSpecs) for (const c of spec.containers) expect(named.has(c.image)).toBe(true);
  });
});
