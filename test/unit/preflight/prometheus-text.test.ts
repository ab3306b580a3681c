import { parsePrometheusText, sumOf } from '../../../src/preflight/prometheus-text';
import { formatTable } from '../../../src/preflight/table';

const SCRAPE = `# HELP authz_check_total Answers.
# TYPE authz_check_total counter
authz_check_total{cache_status="l2_cache_hit"} 7
authz_check_total{cache_status="cache_miss"} 3
authz_log_events_total{level="info",event="a \\"quoted\\" name"} 2
process_cpu_seconds_total 0.5
`;

test('parses samples with labels (escapes included) and sums them by label', () => {
  const samples = parsePrometheusText(SCRAPE);
  expect(samples).toHaveLength(4);
  expect(sumOf(samples, 'authz_check_total')).toBe(10);
  expect(sumOf(samples, 'authz_check_total', { cache_status: 'cache_miss' })).toBe(3);
  expect(sumOf(samples, 'authz_log_events_total', { event: 'a "quoted" name' })).toBe(2);
  expect(sumOf(samples, 'missing')).toBe(0);
});

test('the preflight table has one row per check and a summary', () => {
  const table = formatTable([
    { name: 'Health endpoint', ok: true, detail: 'GET /health -> 200' },
    { name: 'Redis reachable', ok: false, detail: 'Redis did not answer a PING' },
  ]);
  expect(table.split('\n')).toEqual([
    '#  check            result  detail',
    '-  ---------------  ------  ---------------------------',
    '1  Health endpoint  PASS    GET /health -> 200',
    '2  Redis reachable  FAIL    Redis did not answer a PING',
    '',
    '1/2 checks passed',
  ]);
});
