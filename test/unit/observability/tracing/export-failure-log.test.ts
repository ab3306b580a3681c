import { Writable } from 'node:stream';
import pino from 'pino';
import { exportFailure } from '../../../../src/observability/tracing/bounded-export';
import { EXPORT_FAILURE_LOG_EVERY_MS, ExportFailureLog } from '../../../../src/observability/tracing/export-failure-log';

// What operators are told when the collector does not take spans: the exporter's
// reason (exportFailure) and how often it is logged (ExportFailureLog, with a real pino
// logger writing to memory and a clock of the test's own).

function logged() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: pino({ level: 'info' }, sink) };
}

test('the first failure is logged at once, then at most one line a minute, each with the spans dropped since the line before', () => {
  const { lines, logger } = logged();
  let now = 1_000_000;
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
  log.failed(3, 'HTTP 503 Service Unavailable');
  expect(lines).toHaveLength(2);
  expect(lines[1]).toMatchObject({ event: 'authz_trace_export_error', cause: 'HTTP 503 Service Unavailable', spansDropped: 11 });
});

test("the exporter's reason: an answer's HTTP status and message, a network error's message, never a URL's password or a long text", () => {
  const answered = Object.assign(new Error('Forbidden'), { name: 'OTLPExporterError', code: 403, data: 'secret body' });
  expect(exportFailure(answered)).toBe('HTTP 403 Forbidden');
  const noMessage = Object.assign(new Error(''), { code: 500 });
  expect(exportFailure(noMessage)).toBe('HTTP 500');
  const network = Object.assign(new Error('getaddrinfo ENOTFOUND collector.internal'), { code: 'ENOTFOUND' });
  expect(exportFailure(network)).toBe('getaddrinfo ENOTFOUND collector.internal');
  expect(exportFailure(new Error('cannot reach http://alice:s3cret@collector:4318/v1/traces'))).toBe('cannot reach http://***@collector:4318/v1/traces');
  expect(exportFailure(new Error('x'.repeat(1_000)))).toHaveLength(300);
  expect(exportFailure(undefined)).toBe('the exporter gave no reason');
});
