import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { metricNames, PROMETHEUS_OWN_SERIES, referencedExpressions } from '../deploy/observability-support';
import { describeApps, type AppName, type AppSelfDescription } from './running-apps';

const ROOT = resolve(__dirname, '..', '..');
const APPS: AppName[] = ['launch', 'credential-vault', 'grading'];

/** Every series name /metrics can carry: a histogram's _bucket/_count/_sum, a summary's _count/_sum. */
function exportedNames(metrics: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of metrics.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name);
    if (type === 'histogram') for (const suffix of ['_bucket', '_count', '_sum']) names.add(name + suffix);
    if (type === 'summary') for (const suffix of ['_count', '_sum']) names.add(name + suffix);
  }
  return names;
}

interface LintProblem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location: { pointer?: string }[];
}

/** redocly lint with its recommended rules, offline. */
function lint(app: AppName, document: Record<string, unknown>): LintProblem[] {
  const dir = mkdtempSync(join(tmpdir(), 'openapi-'));
  try {
    const file = join(dir, `${app}.json`);
    writeFileSync(file, JSON.stringify(document));
    const result = spawnSync(process.execPath, [join(ROOT, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js'), 'lint', '--extends', 'recommended', '--format', 'json', file], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', CI: 'true' },
    });
    const json = result.stdout.slice(result.stdout.indexOf('{'));
    if (!json.startsWith('{')) throw new Error(`redocly lint gave no report (status ${result.status}): ${result.stderr}`);
    return (JSON.parse(json) as { problems: LintProblem[] }).problems;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('what the apps serve about themselves', () => {
  let apps: Record<AppName, AppSelfDescription>;

  beforeAll(async () => {
    apps = await describeApps();
  }, 240_000);

  it('every metric the alerting rules and the dashboard use is one some app exports', () => {
    const exported = new Set(APPS.flatMap((app) => [...exportedNames(apps[app].metrics)]));
    const missing = referencedExpressions().flatMap(({ where, expr }) => metricNames(expr).filter((name) => !exported.has(name) && !PROMETHEUS_OWN_SERIES.has(name)).map((name) => `${where}: ${name}`));
    expect(missing).toEqual([]);
  });

  it('the metrics the rules rely on come from the apps that own them', () => {
    expect([...exportedNames(apps.grading.metrics)]).toEqual(
      expect.arrayContaining(['grading_backlog_oldest_pending_seconds', 'grading_dead_letters_open', 'grading_waiting_for_launch', 'grading_delivery_throttled_total', 'grading_job_success_age_seconds', 'kafka_consumer_lag_records', 'kafka_consumer_running']),
    );
    for (const app of APPS) expect({ app, has: exportedNames(apps[app].metrics).has('health_probe_up') }).toEqual({ app, has: true });
    expect(exportedNames(apps['credential-vault'].metrics).has('kafka_consumer_lag_records')).toBe(true);
  });

  it.each(APPS)('the OpenAPI document of %s passes redocly lint (recommended) without errors', (app) => {
    const errors = lint(app, apps[app].openapi)
      .filter((p) => p.severity === 'error')
      .map((p) => `${p.ruleId} at ${p.location[0]?.pointer ?? '?'}: ${p.message}`);
    expect(errors).toEqual([]);
  });

  it.each(APPS)('every operation of %s has a summary and a schema for each answer with a body', (app) => {
    const gaps: string[] = [];
    const paths = apps[app].openapi.paths as Record<string, Record<string, { summary?: string; responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> }>>;
    for (const [path, item] of Object.entries(paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (!operation.summary) gaps.push(`${method.toUpperCase()} ${path}: no summary`);
        const responses = Object.entries(operation.responses ?? {});
        if (!responses.some(([status]) => /^[23]\d\d$/.test(status))) gaps.push(`${method.toUpperCase()} ${path}: no 2xx or 3xx answer`);
        for (const [status, response] of responses) {
          const bodiless = status === '204' || /^3\d\d$/.test(status);
          if (!bodiless && !Object.values(response.content ?? {}).some((c) => c.schema)) gaps.push(`${method.toUpperCase()} ${path} ${status}: no schema`);
        }
      }
    }
    expect(gaps).toEqual([]);
  });
});
