import { summarizeTarget } from '../../../console/src/lib/audit';
import { addFigures, EMPTY_FIGURES, hitRates } from '../../../console/src/lib/cache-tally';
import { describeError } from '../../../console/src/lib/errors';
import { parseRoute, routePath } from '../../../console/src/lib/route';

test('routes: /console/<org>/<view>, IDs encoded, unknown views fall back to roles', () => {
  expect(parseRoute('/console')).toEqual({ org: null, view: 'roles' });
  expect(parseRoute('/console/')).toEqual({ org: null, view: 'roles' });
  expect(parseRoute('/console/acme/check')).toEqual({ org: 'acme', view: 'check' });
  expect(parseRoute('/console/acme/nope')).toEqual({ org: 'acme', view: 'roles' });
  const route = { org: 'a/b c', view: 'members' as const };
  expect(routePath(route)).toBe('/console/a%2Fb%20c/members');
  expect(parseRoute(routePath(route))).toEqual(route);
});

test('cache figures: sums and whole-percent shares by tier', () => {
  expect(hitRates(EMPTY_FIGURES)).toBeNull();
  const f = addFigures(addFigures(EMPTY_FIGURES, { l1Hits: 1, l2Hits: 0, misses: 1, degraded: 0 }), { l1Hits: 0, l2Hits: 2, misses: 0, degraded: 0 });
  expect(f).toEqual({ requests: 2, l1Hits: 1, l2Hits: 2, misses: 1, degraded: 0 });
  expect(hitRates(f)).toEqual({ l1: 25, l2: 50, store: 25 });
});

test('errors in plain words, with the code and the gateway message', () => {
  expect(describeError('CONFLICT', 'role "x" already exists')).toBe('Conflict: that already exists (CONFLICT): role "x" already exists');
  expect(describeError('SOMETHING_NEW', '')).toBe('The request failed (SOMETHING_NEW)');
});

test('audit targets read as words', () => {
  expect(summarizeTarget('{"userId":"erin","permission":"billing:refund"}')).toBe('userId erin, permission billing:refund');
  expect(summarizeTarget('not json')).toBe('not json');
  expect(summarizeTarget('[1]')).toBe('[1]');
});
