import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '@app/config';
import { APPS, hostAndPort, INFRASTRUCTURE_APPS, readText, readYaml, readYamlDocuments, ROOT, sampleSecrets, SECRET_KEYS } from './deploy-support';

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

  it('points the console at grading through its Service', () => {
    const grading = find('Service', 'grading')!;
    expect(hostAndPort(configMap.data!.GRADING_URL)).toEqual({ host: grading.metadata.name, port: grading.spec!.ports![0].port });
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

  it('migrates with a Job that runs scripts/migrate.mjs as the migration role, from a Secret only it reads', () => {
    const job = manifests.find((m) => m.kind === 'Job')!;
    const spec = job.spec!.template!.spec;
    const c = spec.containers[0];
    expect(c.args).toEqual(['node', 'scripts/migrate.mjs']);
    expect(c.command).toBeUndefined(); // keeps the image's entrypoint (tini, NAME_FILE)
    expect(['OnFailure', 'Never']).toContain(spec.restartPolicy);
    expect(containerEnv(c).MIGRATIONS_URL).toBe(samples.MIGRATIONS_URL);
    expect(containerEnv(c).DATABASE_URL).toBeUndefined();
    const readers = secretRefs.filter((r) => r.key === 'MIGRATIONS_URL').map((r) => r.workload);
    expect(readers).toEqual([`Job/${job.metadata.name}`]);
    // The apps' roles cannot run DDL: they leave migrating to the Job and check their schema at boot.
    expect(configMap.data!.MIGRATIONS_RUN).toBe('false');
  });

  it('logs each app in to PostgreSQL from a database Secret of its own', () => {
    const secretOf = new Map(secretRefs.filter((r) => r.key === 'DATABASE_URL').map((r) => [r.workload, r.name]));
    const names = INFRASTRUCTURE_APPS.map(({ name }) => secretOf.get(`Deployment/${name}`));
    expect(names).toEqual(INFRASTRUCTURE_APPS.map(({ name }) => `${name}-database`));
    expect(new Set(names).size).toBe(INFRASTRUCTURE_APPS.length);
    // The console has no database at all.
    expect(secretOf.get('Deployment/console')).toBeUndefined();
  });

  it('names every image it runs in the kustomization, so a release sets them in one place', () => {
    const named = new Set((kustomization.images ?? []).map((i) => i.name));
    for (const { spec } of allPodSpecs) for (const c of spec.containers) expect(named.has(c.image)).toBe(true);
  });
});

// ---------------------------------------------------------------------------
// NetworkPolicy, evaluated the way Kubernetes does: a pod selected by no policy
// of a direction is open in it; selected by some, it admits what any of their
// rules admits.

interface LabelSelector {
  matchLabels?: Record<string, string>;
}
interface Peer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}
interface PolicyRule {
  from?: Peer[];
  to?: Peer[];
  ports?: { protocol?: string; port: number }[];
}
interface NetworkPolicyManifest {
  kind: string;
  metadata: { name: string };
  spec: { podSelector: LabelSelector; policyTypes: ('Ingress' | 'Egress')[]; ingress?: PolicyRule[]; egress?: PolicyRule[] };
}
interface IngressManifest {
  kind: string;
  spec: { rules: { http: { paths: { path: string; pathType: string; backend: { service: { name: string } } }[] } }[] };
}

const NAMESPACE = 'lti-grading';
/** A party to a connection: a pod (its namespace and labels) or an address outside the cluster. */
type Party = { namespace: string; labels: Record<string, string> } | { ip: string };

const policies = manifests.filter((m) => m.kind === 'NetworkPolicy') as unknown as NetworkPolicyManifest[];
const labelsOf = (app: string) => podLabels(find(app === 'lti-migrate' ? 'Job' : 'Deployment', app)!);
const pod = (app: string): Party => ({ namespace: NAMESPACE, labels: labelsOf(app) });
const outside = (namespace: string): Party => ({ namespace, labels: { app: 'something' } });
const selects = (selector: LabelSelector, labels: Record<string, string>) => matches(selector.matchLabels ?? {}, labels);

function ipInCidr(ip: string, cidr: string): boolean {
  const toInt = (address: string) => address.split('.').reduce((n, part) => n * 256 + Number(part), 0);
  const [base, bits] = cidr.split('/');
  const block = 2 ** (32 - Number(bits));
  return Math.floor(toInt(ip) / block) === Math.floor(toInt(base) / block);
}

function peerMatches(peer: Peer, party: Party): boolean {
  if ('ip' in party) return Boolean(peer.ipBlock && ipInCidr(party.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c) => ipInCidr(party.ip, c)));
  if (peer.ipBlock) return false;
  const namespaceOk = peer.namespaceSelector ? selects(peer.namespaceSelector, { 'kubernetes.io/metadata.name': party.namespace }) : party.namespace === NAMESPACE;
  return namespaceOk && (!peer.podSelector || selects(peer.podSelector, party.labels));
}

function allows(direction: 'Ingress' | 'Egress', subject: Record<string, string>, other: Party, port: number): boolean {
  const applying = policies.filter((p) => p.spec.policyTypes.includes(direction) && selects(p.spec.podSelector, subject));
  if (applying.length === 0) return true;
  return applying.some((p) =>
    (direction === 'Ingress' ? p.spec.ingress : p.spec.egress)?.some((rule) => {
      const peers = direction === 'Ingress' ? rule.from : rule.to;
      const peerOk = !peers || peers.length === 0 || peers.some((peer) => peerMatches(peer, other));
      return peerOk && (!rule.ports || rule.ports.some((p) => p.port === port));
    }),
  );
}

/** A connection happens when the source may send it and the destination may take it. */
function connects(from: Party, to: Party, port: number): boolean {
  const egressOk = 'ip' in from || from.namespace !== NAMESPACE || allows('Egress', from.labels, to, port);
  const ingressOk = 'ip' in to || to.namespace !== NAMESPACE || allows('Ingress', to.labels, from, port);
  return egressOk && ingressOk;
}

const portOf = (app: string) => Number(configMap.data![APPS.find((a) => a.name === app)!.portVar]);
const INGRESS_CONTROLLER = outside('ingress-nginx');

describe('deploy/k8s network policies', () => {
  it('denies every pod of the namespace all traffic both ways unless a policy lets it', () => {
    const deny = policies.find((p) => Object.keys(p.spec.podSelector.matchLabels ?? {}).length === 0 && !p.spec.ingress && !p.spec.egress);
    expect(deny?.spec.policyTypes.sort()).toEqual(['Egress', 'Ingress']);
    expect(connects(outside('default'), pod('grading'), portOf('grading'))).toBe(false);
  });

  it('lets the console reach the vault and grading and nothing else, and only the ingress controller and Prometheus reach it', () => {
    expect(connects(pod('console'), pod('credential-vault'), portOf('credential-vault'))).toBe(true);
    expect(connects(pod('console'), pod('grading'), portOf('grading'))).toBe(true);
    expect(connects(pod('console'), pod('launch'), portOf('launch'))).toBe(false);
    expect(connects(pod('console'), { namespace: 'kafka', labels: { app: 'broker' } }, 9092)).toBe(false);
    expect(connects(INGRESS_CONTROLLER, pod('console'), portOf('console'))).toBe(true);
    expect(connects(outside('monitoring'), pod('console'), portOf('console'))).toBe(true);
    expect(connects(pod('launch'), pod('console'), portOf('console'))).toBe(false);
  });

  it('lets only grading, the console and the ingress controller reach the vault', () => {
    const vault = portOf('credential-vault');
    expect(connects(pod('grading'), pod('credential-vault'), vault)).toBe(true);
    expect(connects(INGRESS_CONTROLLER, pod('credential-vault'), vault)).toBe(true);
    expect(connects(pod('launch'), pod('credential-vault'), vault)).toBe(false);
    expect(connects(pod('lti-migrate'), pod('credential-vault'), vault)).toBe(false);
    expect(connects(outside('default'), pod('credential-vault'), vault)).toBe(false);
    expect(connects(outside('kafka'), pod('credential-vault'), vault)).toBe(false);
  });

  it('routes only POST /v1/token of the vault through the Ingress, and launch for browsers', () => {
    const ingress = manifests.find((m) => m.kind === 'Ingress') as unknown as IngressManifest;
    const paths = ingress.spec.rules.flatMap((r) => r.http.paths);
    expect(paths.filter((p) => p.backend.service.name === 'credential-vault').map((p) => [p.path, p.pathType])).toEqual([['/v1/token', 'Exact']]);
    expect(paths.filter((p) => p.backend.service.name === 'launch').map((p) => p.path)).toContain('/launch');
    for (const p of paths) expect(find('Service', p.backend.service.name)).toBeDefined();
  });

  it('lets the ingress controller reach launch', () => {
    expect(connects(INGRESS_CONTROLLER, pod('launch'), portOf('launch'))).toBe(true);
    expect(connects(outside('default'), pod('launch'), portOf('launch'))).toBe(false);
  });

  it.each(INFRASTRUCTURE_APPS)('lets $name reach DNS, PostgreSQL and Kafka, and Prometheus scrape it', ({ name }) => {
    expect(connects(pod(name), { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } }, 53)).toBe(true);
    expect(connects(pod(name), { ip: '10.20.30.40' }, 5432)).toBe(true);
    expect(connects(pod(name), { namespace: 'kafka', labels: { app: 'broker' } }, 9092)).toBe(true);
    expect(connects(outside('monitoring'), pod(name), portOf(name))).toBe(true);
  });

  it('lets launch and grading reach LTIAAS on the internet, and the vault nothing outside', () => {
    const ltiaas = { ip: '203.0.113.10' };
    expect(connects(pod('launch'), ltiaas, 443)).toBe(true);
    expect(connects(pod('grading'), ltiaas, 443)).toBe(true);
    expect(connects(pod('credential-vault'), ltiaas, 443)).toBe(false);
    expect(connects(pod('launch'), { ip: '10.1.2.3' }, 443)).toBe(false);
  });

  it('lets the migration Job reach PostgreSQL', () => {
    expect(connects(pod('lti-migrate'), { ip: '10.20.30.40' }, 5432)).toBe(true);
  });
});
