#!/usr/bin/env node
// Writes deploy/observability/prometheus-rule.yaml (a PrometheusRule for the
// Prometheus Operator) from deploy/observability/rules.yml, the one source of
// the alerting rules. test/deploy/observability.spec.ts fails when they differ.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'deploy', 'observability');
const { groups } = YAML.parse(fs.readFileSync(path.join(dir, 'rules.yml'), 'utf8'));
const resource = {
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'PrometheusRule',
  metadata: { name: 'lti-async-grading', labels: { 'app.kubernetes.io/part-of': 'lti-grading' } },
  spec: { groups },
};
const header = '# Generated from rules.yml by `node scripts/observability-rules.mjs`: edit rules.yml, then run it.\n';
fs.writeFileSync(path.join(dir, 'prometheus-rule.yaml'), header + YAML.stringify(resource, { lineWidth: 0 }));
console.log('wrote deploy/observability/prometheus-rule.yaml');
