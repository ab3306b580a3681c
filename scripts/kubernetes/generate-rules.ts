// `npm run generate:k8s-rules`: writes the Kubernetes PrometheusRule from the alert
// rules of deploy/prometheus/alerts.yml, the one source of both.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ALERTS_FILE, PROMETHEUS_RULE_FILE, renderPrometheusRule } from './prometheus-rule';

const root = path.resolve(__dirname, '..', '..');
try {
  const text = renderPrometheusRule(readFileSync(path.join(root, ALERTS_FILE), 'utf8'));
  writeFileSync(path.join(root, PROMETHEUS_RULE_FILE), text);
  console.log(`generated: ${PROMETHEUS_RULE_FILE}`);
} catch (error) {
  console.error(`generate:k8s-rules failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
