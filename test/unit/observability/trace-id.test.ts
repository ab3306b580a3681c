import { traceIdFrom } from '../../../src/observability/trace-id';

test('a new trace ID is 32 hex digits and unique; a valid traceparent or x-request-id is kept', () => {
  const ids = Array.from({ length: 1000 }, () => traceIdFrom({}));
  for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
  expect(new Set(ids).size).toBe(ids.length);
  expect(traceIdFrom({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' })).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  expect(traceIdFrom({ 'x-request-id': 'req-1' })).toBe('req-1');
  expect(traceIdFrom({ 'x-request-id': 'bad id\n' })).toMatch(/^[0-9a-f]{32}$/);
});
