import { Document, isSeq, parseDocument } from 'yaml';

/** Where the one source of the alert rules lives, and where the generated copy goes. */
export const ALERTS_FILE = 'deploy/prometheus/alerts.yml';
export const PROMETHEUS_RULE_FILE = 'deploy/kubernetes/components/monitoring/prometheus-rule.yaml';

const HEADER = [
  `Generated from ${ALERTS_FILE} by \`npm run generate:k8s-rules\`: do not edit.`,
  'Change the alerts there (and their tests in deploy/prometheus/alerts.test.yml), then',
  'regenerate; a test fails while this file differs from what the generator writes.',
].map((line) => ` ${line}`).join('\n');

/**
 * The Prometheus Operator `PrometheusRule` that carries the rule groups of `alerts.yml`
 * unchanged (comments included), as YAML text.
 * @throws Error when `alertsYaml` is not YAML or has no `groups` list.
 */
export function renderPrometheusRule(alertsYaml: string): string {
  const source = parseDocument(alertsYaml, { prettyErrors: true });
  if (source.errors.length > 0) throw new Error(`${ALERTS_FILE}: ${source.errors.map((e) => e.message).join('; ')}`);
  const groups = source.get('groups', true);
  if (!isSeq(groups) || groups.items.length === 0) throw new Error(`${ALERTS_FILE}: expected a non-empty \`groups\` list`);
  const rule = new Document({
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'authz-gateway', labels: { 'app.kubernetes.io/name': 'authz-gateway' } },
    spec: { groups: [] },
  });
  rule.setIn(['spec', 'groups'], groups);
  rule.commentBefore = HEADER;
  return rule.toString({ lineWidth: 0 });
}
