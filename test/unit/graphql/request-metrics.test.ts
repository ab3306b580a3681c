import { Registry } from 'prom-client';
import { requestOutcomePlugin } from '../../../src/graphql/plugins/observability';
import { requestMetricsRecorder } from '../../../src/graphql/plugins/request-metrics';
import { createMetrics } from '../../../src/observability/metrics';

/** Drives the plugin's hooks as Apollo would for one request with this operation name. */
async function request(plugin: ReturnType<typeof requestOutcomePlugin>, operationName: string | null, found = true) {
  const listener = await plugin.requestDidStart!({} as never);
  await listener!.willSendResponse!({
    operation: found ? { operation: 'query' } : undefined,
    operationName,
    response: { body: { kind: 'single', singleResult: {} } },
  } as never);
}

async function operations(registry: Registry): Promise<Record<string, number>> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === 'authz_graphql_requests_total')!;
  return Object.fromEntries(metric.values.map((v) => [String(v.labels.operation), v.value]));
}

test('operation names from clients are a bounded label: at most N names, then other; odd names are other', async () => {
  const registry = new Registry();
  const record = requestMetricsRecorder(createMetrics(registry), 2);
  const plugin = requestOutcomePlugin((_context, outcome, ms) => record(outcome, ms / 1000));
  for (const name of ['A', 'B', 'C', 'A', 'bad name!']) await request(plugin, name);
  await request(plugin, null);
  await request(plugin, null, false);
  expect(await operations(registry)).toEqual({ A: 2, B: 1, other: 2, anonymous: 1, none: 1 });
});
