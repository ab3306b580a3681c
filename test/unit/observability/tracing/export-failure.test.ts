import { request } from 'node:http';
import { describeExportFailure } from '../../../../src/observability/tracing/export-failure';

// What operators read about a batch the collector did not take: built from the errors
// the OTLP exporter hands over (OTLPExporterError's shape, Node's network errors).

test("an answer: its HTTP status and message, never its body", () => {
  const answered = Object.assign(new Error('Forbidden'), { name: 'OTLPExporterError', code: 403, data: 'token abc123 is not valid' });
  expect(describeExportFailure(answered)).toBe('HTTP 403 Forbidden');
  expect(describeExportFailure(Object.assign(new Error(''), { code: 500 }))).toBe('HTTP 500');
});

test('retried answers (429, 502, 503, 504) until the timeout: the exporter keeps no status, the description says which it can have been', () => {
  expect(describeExportFailure(Object.assign(new Error('Export failed with retryable status'), { name: 'OTLPExporterError' }))).toBe('the collector answered 429, 502, 503 or 504 until the export timed out');
});

test("a network error: its message, as Node gives it", async () => {
  const refused = await new Promise<Error>((resolve) => request('http://127.0.0.1:1/v1/traces').on('error', resolve).end());
  expect(describeExportFailure(refused)).toBe('connect ECONNREFUSED 127.0.0.1:1');
  // Every address of a host refused (Node 20 tries each): an AggregateError with no message of its own.
  const everyAddress = Object.assign(new AggregateError([new Error('connect ECONNREFUSED ::1:4318'), new Error('connect ECONNREFUSED 127.0.0.1:4318')], ''), { code: 'ECONNREFUSED' });
  expect(describeExportFailure(everyAddress)).toBe('connect ECONNREFUSED ::1:4318; connect ECONNREFUSED 127.0.0.1:4318');
  expect(describeExportFailure(Object.assign(new AggregateError([], ''), { code: 'ECONNREFUSED' }))).toBe('ECONNREFUSED');
});

test("never a URL's user and password, never a long text, and never a throw, whatever the exporter handed over", () => {
  expect(describeExportFailure(new Error('cannot reach http://alice:p@ss@collector:4318/v1/traces'))).toBe('cannot reach http://***@collector:4318/v1/traces');
  expect(describeExportFailure(new Error('x'.repeat(1_000)))).toHaveLength(300);
  expect(describeExportFailure(undefined)).toBe('the exporter gave no reason');
  expect(describeExportFailure('socket hang up')).toBe('socket hang up');
  expect(describeExportFailure({})).toBe('[object Object]');
  const unreadable = { toString: () => { throw new Error('no'); } };
  expect(describeExportFailure(unreadable)).toBe('the exporter gave a reason that could not be read');
});
