import { BYTES_PER_ITEM, estimatedWeight, QUERY_ALLOWANCE_BYTES } from '../../../src/http/admission';

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
  expect(estimatedWeight(String(QUERY_ALLOWANCE_BYTES + BYTES_PER_ITEM * 10))).toBe(11);
});

test('a long query of weight 1 (no list variables) is estimated at weight 1', () => {
  const fields = Array.from({ length: 40 }, (_, i) => `a${i}: can(userId: "user-with-a-long-identifier-${i}", orgId: "acme", permission: "document:read") { allowed }`);
  const body = JSON.stringify({ query: `query Long { ${fields.join(' ')} }` });
  expect(Buffer.byteLength(body)).toBeGreaterThan(4 * 1024);
  expect(estimatedWeight(String(Buffer.byteLength(body)))).toBe(1);
  expect(estimatedWeight(String(QUERY_ALLOWANCE_BYTES))).toBe(1);
});
