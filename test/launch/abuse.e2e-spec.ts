// Launch under abuse (issue #14): one address flooding /launch is refused
// with 429 and Retry-After while others still launch, and LTIAAS calls in
// flight are capped per process (503 with Retry-After beyond, at once).
// Launch sits behind one proxy here (TRUST_PROXY_HOPS=1), so the client
// address is the one X-Forwarded-For names, as behind an ingress.
import type { ContextTriple } from '@app/contracts';
import { eventually } from '../support/infra';
import { CaptureStack, type StartedApp } from '../vault/capture-stack';

const triple = (n: string): ContextTriple => ({ platformId: 'https://brightspace.example.edu', contextId: `course-${n}`, resourceLinkId: `lab-${n}` });
const LIMIT = 5;

describe('launch under abuse', () => {
  let stack: CaptureStack;

  beforeAll(async () => {
    stack = await CaptureStack.start('launch_abuse', { launchEnv: { TRUST_PROXY_HOPS: '1', LAUNCH_RATE_LIMIT: String(LIMIT) } });
  });

  afterAll(async () => {
    await stack?.close();
  });

  const from = (address: string, extra: Record<string, string> = {}) => ({ 'x-forwarded-for': address, ...extra });

  /** A sample from /metrics: the series named, carrying `label` (every series also carries app="launch"). */
  async function metric(app: StartedApp, name: string, label = ''): Promise<number> {
    const text = await (await fetch(`${app.url}/metrics`)).text();
    const line = text.split('\n').find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && l.includes(label));
    return line ? Number(line.split(' ').pop()) : 0;
  }

  it('answers 429 with Retry-After to a flood from one address, while another address still launches', async () => {
    const flooder = '203.0.113.7';
    const statuses: number[] = [];
    let refused: Response | undefined;
    // Bogus ltiks: a flood does not need valid ones, and each admitted one still costs an LTIAAS call.
    for (let i = 0; i < LIMIT + 5; i++) {
      const res = await stack.visit(`Zm9yZ2VkLWx0aWstMDAw${i}`, from(flooder));
      statuses.push(res.status);
      if (res.status === 429) refused ??= res;
    }
    expect(statuses).toEqual([...Array<number>(LIMIT).fill(401), ...Array<number>(5).fill(429)]);
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(refused!.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(await refused!.json()).toEqual({ statusCode: 429, error: 'Too Many Requests', message: 'too many launches from this address; retry later' });

    // A browser gets a page that says so, with the same Retry-After.
    const page = await stack.visit('Zm9yZ2VkLWx0aWs', from(flooder, { accept: 'text/html' }));
    expect(page.status).toBe(429);
    expect(page.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await page.text()).toContain('Too many launches from your network');

    // The landing page counts against the same address.
    expect((await fetch(`${stack.launchApp.url}/app?ltik=Zm9yZ2VkLWx0aWs`, { headers: from(flooder) })).status).toBe(429);

    // Someone else, meanwhile, launches as usual and the launch is captured.
    const t = triple('neighbour');
    const launch = await stack.lmsLaunch(t);
    expect((await stack.visit(launch.ltik, from('198.51.100.20'))).status).toBe(302);
    expect(await metric(stack.launchApp, 'launch_requests_refused_total', 'reason="rate-limited"')).toBe(7);
  });

  it('counts the address the proxy saw, not what a client writes in front of it', async () => {
    // The proxy appends the peer address; with one trusted hop only the last entry counts.
    for (let i = 0; i < LIMIT; i++) expect((await stack.visit('Zm9yZ2VkLWx0aWs', from(`10.0.0.${i}, 192.0.2.50`))).status).toBe(401);
    expect((await stack.visit('Zm9yZ2VkLWx0aWs', from('10.0.0.99, 192.0.2.50'))).status).toBe(429);
  });

  it('answers 503 with Retry-After at once, beyond the LTIAAS calls it allows in flight', async () => {
    const capped = await stack.startLaunch({ LAUNCH_LTIAAS_MAX_IN_FLIGHT: '2', LAUNCH_RATE_LIMIT: '1000' });
    await stack.emulator.admin.setFaults({ rules: [{ kind: 'latency', ms: 3_000, endpoints: ['idtoken'] }] });
    try {
      const launches = await Promise.all([1, 2, 3, 4].map((n) => stack.lmsLaunch(triple(`capped-${n}`))));
      const slow = launches.slice(0, 2).map((l, i) => stack.visit(l.ltik, from(`198.51.100.${30 + i}`), capped.url));
      await eventually(async () => (await metric(capped, 'launch_ltiaas_calls_in_flight')) === 2, { what: 'both LTIAAS slots to be taken' });
      const refused = await Promise.all(launches.slice(2).map((l, i) => stack.visit(l.ltik, from(`198.51.100.${40 + i}`), capped.url)));
      expect(refused.map((r) => r.status)).toEqual([503, 503]);
      expect(refused[0].headers.get('retry-after')).toBe('1');
      expect(await refused[0].json()).toMatchObject({ statusCode: 503, message: expect.stringContaining('too many LTIAAS calls in flight') });
      expect((await Promise.all(slow)).map((r) => r.status)).toEqual([302, 302]);
      expect(await metric(capped, 'launch_requests_refused_total', 'reason="ltiaas-busy"')).toBe(2);
      expect(await metric(capped, 'launch_ltiaas_calls_in_flight')).toBe(0);
      // Once the slots are free the refused launches go through.
      await stack.emulator.admin.clearFaults();
      expect((await stack.visit(launches[2].ltik, from('198.51.100.40'), capped.url)).status).toBe(302);
    } finally {
      await stack.emulator.admin.clearFaults();
      await capped.app.close();
    }
  });
});
