import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { metricNames, OBSERVABILITY_DIR, readDashboard, readRules, referencedExpressions, type RuleGroup } from './observability-support';

// promtool comes with Prometheus (Debian: apt-get install prometheus; .ci/run installs it).
function promtool(...args: string[]): { status: number | null; output: string } {
  const result = spawnSync('promtool', args, { cwd: OBSERVABILITY_DIR, encoding: 'utf8' });
  if (result.error) throw new Error(`promtool not found (${result.error.message}): install Prometheus, e.g. apt-get install prometheus`);
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('deploy/observability', () => {
  it('the alerting rules are valid Prometheus rules', () => {
    const checked = promtool('check', 'rules', 'rules.yml');
    expect(checked.output).toContain('SUCCESS');
    expect(checked.status).toBe(0);
  });

  it('the alerting rules pass their promtool unit tests', () => {
    const tested = promtool('test', 'rules', 'rules.test.yml');
    if (tested.status !== 0) throw new Error(tested.output);
    expect(tested.output).toContain('SUCCESS');
  });

  it('every alert pages with a summary and is covered by a unit test', () => {
    const tests = parse(readFileSync(join(OBSERVABILITY_DIR, 'rules.test.yml'), 'utf8')) as { tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[] };
    const firedInTests = new Set(tests.tests.flatMap((t) => (t.alert_rule_test ?? []).filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname)));
    const alerts = readRules().groups.flatMap((g) => g.rules);
    expect(alerts.map((a) => a.alert)).toEqual(
      expect.arrayContaining(['LtiAppDown', 'LtiAppNotReady', 'GradingBacklogTooOld', 'GradingDeadLettersGrowing', 'GradingStaleCredentialsPilingUp', 'GradingPlatformThrottled', 'KafkaConsumerStopped', 'KafkaConsumerNotConsuming', 'GradingNightlySyncMissed']),
    );
    for (const alert of alerts) {
      expect({ alert: alert.alert, severity: alert.labels?.severity, summary: Boolean(alert.annotations?.summary), tested: firedInTests.has(alert.alert) }).toEqual({ alert: alert.alert, severity: 'page', summary: true, tested: true });
    }
  });

  it('the PrometheusRule carries exactly the rules of rules.yml (regenerate with node scripts/observability-rules.mjs)', () => {
    const resource = parse(readFileSync(join(OBSERVABILITY_DIR, 'prometheus-rule.yaml'), 'utf8')) as { apiVersion: string; kind: string; spec: { groups: RuleGroup[] } };
    expect(resource.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(resource.kind).toBe('PrometheusRule');
    expect(resource.spec.groups).toEqual(readRules().groups);
  });

  it('the dashboard is Grafana JSON with unique panel ids, every query on the chosen Prometheus', () => {
    const dashboard = readDashboard();
    expect(dashboard.uid).toBe('lti-async-grading');
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const queries = dashboard.panels.filter((p) => p.type !== 'row');
    expect(queries.length).toBeGreaterThan(10);
    for (const panel of queries) {
      expect({ title: panel.title, datasource: panel.datasource?.uid, targets: (panel.targets ?? []).length > 0 }).toEqual({ title: panel.title, datasource: '${datasource}', targets: true });
    }
  });

  it('cluster-wide gauges are only ever read through max()', () => {
    const cluster = ['grading_backlog_pending', 'grading_backlog_oldest_pending_seconds', 'grading_deliveries_in_flight', 'grading_waiting_for_launch', 'grading_dead_letters_open', 'grading_job_success_age_seconds'];
    for (const { where, expr } of referencedExpressions()) {
      for (const name of cluster) {
        for (const match of expr.matchAll(new RegExp(`\\b${name}\\b`, 'g'))) {
          const before = expr.slice(0, match.index);
          expect({ where, name, inMax: /max(\s+by\s*\([^)]*\))?\s*\((delta\()?\s*$/.test(before) }).toEqual({ where, name, inMax: true });
        }
      }
    }
  });

  it('the kustomization lists files that exist', () => {
    const kustomization = parse(readFileSync(join(OBSERVABILITY_DIR, 'kustomization.yaml'), 'utf8')) as { resources: string[]; configMapGenerator: { files: string[] }[] };
    for (const file of [...kustomization.resources, ...kustomization.configMapGenerator.flatMap((g) => g.files)]) expect(existsSync(join(OBSERVABILITY_DIR, file))).toBe(true);
  });

  it('metric names are read from PromQL without labels, functions or keywords', () => {
    expect(metricNames('sum by (app, group) (kafka_consumer_lag_records{topic="a{b}"}) > 0 unless sum by (app, group) (rate(kafka_records_consumed_total[10m])) > 0').sort()).toEqual([
      'kafka_consumer_lag_records',
      'kafka_records_consumed_total',
    ]);
    expect(metricNames('histogram_quantile(0.95, sum by (le) (rate(grading_ltiaas_score_post_seconds_bucket[5m])))')).toEqual(['grading_ltiaas_score_post_seconds_bucket']);
    expect(metricNames('max by (job_name) (grading_job_success_age_seconds) > 26 * 3600')).toEqual(['grading_job_success_age_seconds']);
    expect(metricNames('up{job=~"launch|grading"} == 0')).toEqual(['up']);
  });
});
