// The emulator as every other suite sees it: start it (in this process, or as
// its own OS process from dist/ for benchmarks) and drive its admin API.
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import type {
  CountersSnapshot,
  FaultsConfigInput,
  GradebookEntry,
  InjectedFault,
  RequestLogEntry,
} from '../../apps/ltiaas-emulator/src/public-types';

export type { CountersSnapshot, FaultsConfigInput, GradebookEntry, InjectedFault, RequestLogEntry };

export type TimestampMode = 'stamped' | 'strict-409' | 'strict-400';

export interface LaunchInput {
  platformId: string;
  contextId: string;
  resourceLinkId: string;
  userId: string;
  /** Short names (`Learner`) or full LIS role URIs; default `['Learner']`. */
  roles?: string[];
  /** Default: `{ ags: true, nrps: true, deepLinking: false }`. */
  services?: { ags?: boolean; nrps?: boolean; deepLinking?: boolean };
  /** A line item the platform creates for the activity (kept if one with that label exists). */
  lineItem?: { label: string; scoreMaximum: number; resourceId?: string; tag?: string };
  contextTitle?: string;
  resourceLinkTitle?: string;
  userName?: string;
  userEmail?: string;
  targetUrl?: string;
}

export interface LaunchResult {
  ltik: string;
  serviceKey?: string;
  redirectUrl: string;
  lineItemId?: string;
}

export interface MemberInput {
  userId: string;
  roles: string[];
  name?: string;
  email?: string;
  status?: 'Active' | 'Inactive' | 'Deleted';
  /** When given, the member reaches only these activities (resource-link memberships). */
  resourceLinkIds?: string[];
}

export interface PlatformSettingsInput {
  timestampMode?: TimestampMode;
  rateLimit?: { perSecond: number; burst: number; style?: '429' | '403' } | null;
}

export interface GradebookFilter {
  platformId?: string;
  contextId?: string;
  lineItemId?: string;
  userId?: string;
}

export class EmulatorAdminError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    what: string,
  ) {
    super(`emulator admin ${what} failed with ${status}: ${JSON.stringify(body)}`);
  }
}

export class EmulatorAdmin {
  constructor(
    readonly url: string,
    private readonly adminKey: string,
  ) {}

  reset(): Promise<void> {
    return this.call('POST', '/reset');
  }

  launch(input: LaunchInput): Promise<LaunchResult> {
    return this.call('POST', '/launches', input);
  }

  enroll(platformId: string, contextId: string, members: MemberInput[]): Promise<void> {
    return this.call('POST', `${coursePath(platformId, contextId)}/members`, { members });
  }

  unenroll(platformId: string, contextId: string, userId: string): Promise<void> {
    return this.call('DELETE', `${coursePath(platformId, contextId)}/members/${encodeURIComponent(userId)}`);
  }

  revokeServiceKey(serviceKey: string): Promise<void> {
    return this.call('POST', '/service-keys/revoke', { serviceKey });
  }

  configurePlatform(platformId: string, settings: PlatformSettingsInput): Promise<void> {
    return this.call('PUT', `/platforms/${encodeURIComponent(platformId)}/settings`, settings);
  }

  setFaults(config: FaultsConfigInput): Promise<void> {
    return this.call('PUT', '/faults', config);
  }

  clearFaults(): Promise<void> {
    return this.call('DELETE', '/faults');
  }

  /** The faults injected so far (last 1,000), in order. */
  async injectedFaults(): Promise<InjectedFault[]> {
    const body = await this.call<{ injected: InjectedFault[] }>('GET', '/faults');
    return body.injected;
  }

  advanceClock(ms: number): Promise<{ now: string }> {
    return this.call('POST', '/clock/advance', { ms });
  }

  /** A pending dynamic registration, for `GET /api/registrations/:id`. */
  createRegistration(input: { url?: string; familyCode?: string; version?: string } = {}): Promise<{ registrationId: string }> {
    return this.call('POST', '/registrations', input);
  }

  async gradebook(filter: GradebookFilter = {}): Promise<GradebookEntry[]> {
    const query = new URLSearchParams(Object.entries(filter).filter((e): e is [string, string] => e[1] !== undefined));
    const qs = query.toString();
    const body = await this.call<{ entries: GradebookEntry[] }>('GET', `/gradebook${qs ? `?${qs}` : ''}`);
    return body.entries;
  }

  async requests(): Promise<RequestLogEntry[]> {
    const body = await this.call<{ requests: RequestLogEntry[] }>('GET', '/requests');
    return body.requests;
  }

  counters(): Promise<CountersSnapshot> {
    return this.call('GET', '/counters');
  }

  private async call<T = void>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}/__admin${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.adminKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    if (!res.ok) throw new EmulatorAdminError(res.status, parsed, `${method} ${path}`);
    return parsed as T;
  }
}

export interface EmulatorHandle {
  url: string;
  apiKey: string;
  adminKey: string;
  admin: EmulatorAdmin;
  close(): Promise<void>;
}

export interface StartEmulatorOptions {
  /** 0 or absent: any free port. */
  port?: number;
  /** Emulator environment (`LTIAAS_API_KEY`, `EMULATOR_FAULTS`, `EMULATOR_SEED`, ...). */
  env?: Record<string, string>;
}

function emulatorEnv(opts: StartEmulatorOptions, port: number): Record<string, string> {
  // `npm test` runs the grading suites a second time with EMULATOR_RATE_LIMIT_HEADERS=false,
  // as real LTIAAS answers; a suite's own setting wins.
  const mode = process.env.EMULATOR_RATE_LIMIT_HEADERS;
  return {
    LTIAAS_API_KEY: 'emulator-api-key',
    EMULATOR_ADMIN_KEY: `admin-${randomBytes(12).toString('hex')}`,
    ...(mode ? { EMULATOR_RATE_LIMIT_HEADERS: mode } : {}),
    ...opts.env,
    EMULATOR_PORT: String(port),
  };
}

/** Starts the emulator inside this process (admin API on). */
export async function startEmulator(opts: StartEmulatorOptions = {}): Promise<EmulatorHandle> {
  // Loaded lazily so that suites using only spawnEmulator do not pay for Nest.
  const { parseEmulatorConfig } = await import('../../apps/ltiaas-emulator/src/config/emulator.config');
  const { startEmulatorServer } = await import('../../apps/ltiaas-emulator/src/bootstrap');
  const env = emulatorEnv(opts, opts.port ?? 0);
  const config = parseEmulatorConfig(env);
  const server = await startEmulatorServer(config, { docs: 'json' });
  return {
    url: server.url,
    apiKey: config.apiKey,
    adminKey: env.EMULATOR_ADMIN_KEY,
    admin: new EmulatorAdmin(server.url, env.EMULATOR_ADMIN_KEY),
    close: () => server.close(),
  };
}

export interface SpawnEmulatorOptions extends StartEmulatorOptions {
  /** The built entry point; default `dist/apps/ltiaas-emulator/src/main.js`. */
  entry?: string;
  /** Milliseconds to wait for `/health/ready`; default 20000. */
  readyTimeoutMs?: number;
}

/** Starts the built emulator as its own OS process (for benchmarks). */
export async function spawnEmulator(opts: SpawnEmulatorOptions = {}): Promise<EmulatorHandle> {
  const entry = opts.entry ?? findBuiltEntry();
  const port = opts.port || (await freePort());
  const env = emulatorEnv(opts, port);
  const child = spawn(process.execPath, [entry], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(url, child, opts.readyTimeoutMs ?? 20000, () => stderr);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    url,
    apiKey: env.LTIAAS_API_KEY,
    adminKey: env.EMULATOR_ADMIN_KEY,
    admin: new EmulatorAdmin(url, env.EMULATOR_ADMIN_KEY),
    close: () => stopChild(child),
  };
}

function findBuiltEntry(): string {
  const candidates = [
    // running from dist/test/support
    resolve(__dirname, '../../apps/ltiaas-emulator/src/main.js'),
    // running from test/support through ts-node or jest
    resolve(__dirname, '../../dist/apps/ltiaas-emulator/src/main.js'),
    resolve(process.cwd(), 'dist/apps/ltiaas-emulator/src/main.js'),
  ];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error(`ltiaas-emulator build not found (tried ${candidates.join(', ')}); run the build first`);
  return found;
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => ok(port));
    });
  });
}

async function waitReady(url: string, child: ChildProcess, timeoutMs: number, stderr: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`emulator exited with ${child.exitCode}: ${stderr()}`);
    try {
      const res = await fetch(`${url}/health/ready`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`emulator not ready at ${url} after ${timeoutMs} ms: ${stderr()}`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((ok) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      ok();
    });
    child.kill('SIGTERM');
  });
}

function coursePath(platformId: string, contextId: string): string {
  return `/platforms/${encodeURIComponent(platformId)}/courses/${encodeURIComponent(contextId)}`;
}
