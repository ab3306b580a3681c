import { ROOT_CONTEXT } from '@opentelemetry/api';
import { SamplingDecision, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import { newTraceId, traceIdFrom } from '../../../src/observability/trace-id';

test('a new trace ID is 32 hex digits and unique; a valid traceparent or x-request-id is kept', () => {
  const ids = Array.from({ length: 1000 }, () => traceIdFrom({}));
  for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
  expect(new Set(ids).size).toBe(ids.length);
  expect(traceIdFrom({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' })).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  expect(traceIdFrom({ 'x-request-id': 'req-1' })).toBe('req-1');
  expect(traceIdFrom({ 'x-request-id': 'bad id\n' })).toMatch(/^[0-9a-f]{32}$/);
});

// newTraceId draws from a pooled random buffer (256 IDs per refill): these check that
// the IDs stay valid, distinct across refills, and uniform, which the trace-ID ratio
// sampler relies on (it samples IDs whose 32-bit chunks, XORed, fall under ratio * 2^32).

test('newTraceId: 32 lowercase hex digits, never all zeros, 10,000 calls all distinct (across many pool refills)', () => {
  const ids = Array.from({ length: 10_000 }, () => newTraceId());
  for (const id of ids) {
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(id).not.toBe('0'.repeat(32));
  }
  expect(new Set(ids).size).toBe(ids.length);
});

test('newTraceId: no 64-bit half repeats over 600 IDs (pool bytes are never reused or shifted into a later ID)', () => {
  const ids = Array.from({ length: 600 }, () => newTraceId());
  // Over 600 IDs (three pool refills), no 16-hex half appears twice.
  const halves = ids.flatMap((id) => [id.slice(0, 16), id.slice(16)]);
  expect(new Set(halves).size).toBe(halves.length);
});

test('newTraceId: the first hex digit spreads over (nearly) all 16 values in 10,000 IDs', () => {
  const first = new Set(Array.from({ length: 10_000 }, () => newTraceId()[0]));
  expect(first.size).toBeGreaterThanOrEqual(14);
});

test('newTraceId: about 1% of 100,000 IDs fall under 0.01 * 2^32 in their first 8 hex digits', () => {
  const N = 100_000;
  const bound = 0.01 * 2 ** 32;
  let under = 0;
  for (let i = 0; i < N; i++) if (parseInt(newTraceId().slice(0, 8), 16) < bound) under++;
  // Expected 1,000 (standard deviation about 31): between 500 and 1,500.
  expect(under / N).toBeGreaterThanOrEqual(0.005);
  expect(under / N).toBeLessThanOrEqual(0.015);
});

test('newTraceId: the SDK trace-ID ratio sampler at 1% keeps about 1% of 100,000 new IDs', () => {
  const sampler = new TraceIdRatioBasedSampler(0.01);
  const N = 100_000;
  let sampled = 0;
  for (let i = 0; i < N; i++) if (sampler.shouldSample(ROOT_CONTEXT, newTraceId()).decision === SamplingDecision.RECORD_AND_SAMPLED) sampled++;
  expect(sampled / N).toBeGreaterThanOrEqual(0.005);
  expect(sampled / N).toBeLessThanOrEqual(0.015);
});
