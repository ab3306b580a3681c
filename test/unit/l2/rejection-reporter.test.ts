import pino from 'pino';
import { Registry } from 'prom-client';
import { l2RejectionReporter } from '../../../src/l2/rejection-reporter';
import { createMetrics } from '../../../src/observability/metrics';
import { logLines } from '../../helpers/log-lines';

function setup(maxKeys?: number) {
  const { lines, stream: sink } = logLines();
  const metrics = createMetrics(new Registry());
  const report = l2RejectionReporter(metrics.l2Rejected, pino({ level: 'info' }, sink), { maxKeys });
  const count = async (reason: string) => (await metrics.l2Rejected.get()).values.find((v) => v.labels.reason === reason)?.value;
  return { lines, report, count };
}

test('counts every refused value and logs each key once', async () => {
  const { lines, report, count } = setup();
  for (let i = 0; i < 3; i++) report('auth:perms:alice:acme', 'mac');
  report('auth:perms:bob:acme', 'expired');
  expect(await count('mac')).toBe(3);
  expect(await count('expired')).toBe(1);
  expect(await count('size')).toBe(0);
  expect(lines.map((l) => [l.event, l.key, l.reason, l.level])).toEqual([
    ['authz_l2_value_rejected', 'auth:perms:alice:acme', 'mac', 40],
    ['authz_l2_value_rejected', 'auth:perms:bob:acme', 'expired', 40],
  ]);
});

test('remembers at most maxKeys keys, then starts over (bounded memory)', () => {
  const { lines, report } = setup(2);
  for (const key of ['a', 'b', 'a', 'c', 'a', 'b']) report(key, 'shape');
  // a, b logged; c clears the memory; a and b are logged again after it.
  expect(lines.map((l) => l.key)).toEqual(['a', 'b', 'c', 'a', 'b']);
});

test('logs values of an older format once per process, at info', async () => {
  const { lines, report, count } = setup();
  for (const key of ['a', 'b', 'c']) report(key, 'format');
  expect(await count('format')).toBe(3);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ event: 'authz_l2_value_rejected', reason: 'format', level: 30 });
});
