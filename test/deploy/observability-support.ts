// What deploy/observability refers to: the PromQL of every alerting rule and
// dashboard panel, and the metric names in them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const OBSERVABILITY_DIR = join(__dirname, '..', '..', 'deploy', 'observability');

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
export interface RuleGroup {
  name: string;
  rules: AlertRule[];
}
export interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: { expr: string; refId: string }[];
}

export const readRules = (file = 'rules.yml'): { groups: RuleGroup[] } => parse(readFileSync(join(OBSERVABILITY_DIR, file), 'utf8')) as { groups: RuleGroup[] };

export const readDashboard = (): { uid: string; title: string; panels: DashboardPanel[] } =>
  JSON.parse(readFileSync(join(OBSERVABILITY_DIR, 'grafana-dashboard.json'), 'utf8')) as { uid: string; title: string; panels: DashboardPanel[] };

/** Every PromQL expression of the rules and the dashboard, each with where it comes from. */
export function referencedExpressions(): { where: string; expr: string }[] {
  const fromRules = readRules().groups.flatMap((g) => g.rules.map((r) => ({ where: `rule ${r.alert}`, expr: r.expr })));
  const fromDashboard = readDashboard().panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr })));
  return [...fromRules, ...fromDashboard];
}

const NOT_METRICS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/**
 * The metric names a PromQL expression selects. Not a parser, but enough for
 * ours: strings, label matchers, grouping clauses and ranges are removed, and
 * what remains that is an identifier not followed by `(` is a metric name.
 */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ');
  const names = new Set<string>();
  for (const match of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const name = match[0];
    const rest = bare.slice(match.index! + name.length);
    if (/^\s*\(/.test(rest) || NOT_METRICS.has(name.toLowerCase())) continue;
    if (match.index! > 0 && /[0-9.]/.test(bare[match.index! - 1])) continue; // a unit of a number, e.g. 5m, 1e3
    names.add(name);
  }
  return [...names];
}

/** Series Prometheus makes itself for every target, not exported by any app. */
export const PROMETHEUS_OWN_SERIES = new Set(['up']);
