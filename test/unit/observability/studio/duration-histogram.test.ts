import { join, dirname } from 'node:path';
import fc from 'fast-check';
import { DurationHistogram } from '../../../../src/observability/studio/duration-histogram';

// Apollo's own histogram is internal to @apollo/server (not among its exports): loaded
// here by file path, only to hold ours to the same buckets and the same encoding.
const apolloFile = join(dirname(require.resolve('@apollo/server')), 'plugin/usageReporting/durationHistogram.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { DurationHistogram: ApolloHistogram } = require(apolloFile) as { DurationHistogram: new () => { incrementDuration(ns: number): void; toArray(): number[] } };

test('the same durations give the same encoded histogram as Apollo', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 2_000_000 }), fc.double({ min: 0, max: 1e13, noNaN: true })), { maxLength: 200 }), (durations) => {
      const ours = new DurationHistogram();
      const apollos = new ApolloHistogram();
      for (const ns of durations) {
        ours.incrementDuration(ns);
        apollos.incrementDuration(ns);
      }
      expect(ours.toArray()).toEqual(apollos.toArray());
    }),
  );
});

test('buckets: 1 us and below in bucket 0, then powers of 1.1, the last bucket open', () => {
  expect(DurationHistogram.durationToBucket(500)).toBe(0);
  expect(DurationHistogram.durationToBucket(1000)).toBe(0);
  expect(DurationHistogram.durationToBucket(1100)).toBe(1);
  expect(DurationHistogram.durationToBucket(1e20)).toBe(383);
});
