import pino from 'pino';
import { EXPORT_FAILURE_LOG_EVERY_MS, ExportFailureLog } from '../../../../src/observability/tracing/export-failure-log';
import { logLines } from '../../../helpers/log-lines';

// How often operators are told that the collector does not take spans, and that it
// takes them again: a real pino logger writing to memory, and a clock of the test's own.

function logged() {
  const { lines, stream } = logLines();
  return { lines, logger: pino({ level: 'info' }, stream) };
}

test('the first failure is logged at once, then at most one line a minute, each with the spans dropped since the line before', () => {
  const { lines, logger } = logged();
  let now = 5_000;
  const log = new ExportFailureLog(logger, () => now);

  log.failed(4, 'connect ECONNREFUSED 10.0.0.9:4318');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ level: 40, event: 'authz_trace_export_error', cause: 'connect ECONNREFUSED 10.0.0.9:4318', spansDropped: 4 });

  now += 1_000;
  log.failed(6, 'connect ECONNREFUSED 10.0.0.9:4318');
  now += EXPORT_FAILURE_LOG_EVERY_MS - 1_001;
  log.failed(2, 'Request timed out');
  expect(lines).toHaveLength(1);

  // A minute after the first line: the next failure is logged, with what was dropped meanwhile.
  now += 1;
  log.failed(3, 'HTTP 401 Unauthorized');
  expect(lines).toHaveLength(2);
  expect(lines[1]).toMatchObject({ event: 'authz_trace_export_error', cause: 'HTTP 401 Unauthorized', spansDropped: 11 });
});

test('a batch taken after failures is logged once, with the drops not logged yet; the next failure is logged at once', () => {
  const { lines, logger } = logged();
  let now = 0;
  const log = new ExportFailureLog(logger, () => now);

  log.exported();
  expect(lines).toEqual([]);

  log.failed(4, 'Request timed out');
  now += 10;
  log.failed(5, 'Request timed out');
  log.exported();
  log.exported();
  expect(lines).toHaveLength(2);
  expect(lines[1]).toMatchObject({ level: 30, event: 'authz_trace_export_recovered', spansDropped: 5 });

  // Within the minute of the last error line, but after a recovery: a new outage is told at once, counting only its own drops.
  now += 10;
  log.failed(2, 'HTTP 403 Forbidden');
  expect(lines).toHaveLength(3);
  expect(lines[2]).toMatchObject({ event: 'authz_trace_export_error', cause: 'HTTP 403 Forbidden', spansDropped: 2 });
});
