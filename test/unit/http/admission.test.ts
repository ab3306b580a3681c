import { BYTES_PER_ITEM, estimatedWeight } from '../../../src/http/admission';

test('the weight estimated from Content-Length stays under the weight of a checks body', () => {
  const items = Array.from({ length: 1000 }, (_, i) => ({ userId: `u${i}`, orgId: 'acme', permission: 'document:read' }));
  const body = JSON.stringify({ query: 'query Checks($r: [CheckInput!]!) { checks(requests: $r) { allowed } }', variables: { r: items } });
  const estimate = estimatedWeight(String(Buffer.byteLength(body)));
  expect(estimate).toBeGreaterThan(1);
  expect(estimate).toBeLessThanOrEqual(1 + items.length);
});

test('a body without a usable Content-Length is estimated at weight 1', () => {
  expect(estimatedWeight(undefined)).toBe(1);
  expect(estimatedWeight('0')).toBe(1);
  expect(estimatedWeight('abc')).toBe(1);
  expect(estimatedWeight('-5')).toBe(1);
  expect(estimatedWeight(String(BYTES_PER_ITEM * 10))).toBe(11);
});
