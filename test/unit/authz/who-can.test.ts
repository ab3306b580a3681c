import { InvalidInputError } from '../../../src/authz/errors';
import { decodeCursor, encodeCursor, WhoCanService, type WhoCanSource } from '../../../src/authz/who-can';

/** A hand-written source: members with patterns, answering as the SQL does (by user ID, after the cursor). */
function source(members: Array<{ userId: string; roles?: Array<[string, string[]]>; grants?: Array<[string, number | null]> }>) {
  const calls: Array<{ patterns: readonly string[]; after: string; limit: number; now: number }> = [];
  const fake: WhoCanSource = {
    page: async (_orgId, patterns, after, limit, now) => {
      calls.push({ patterns, after, limit, now });
      return members
        .filter((m) => m.userId > after)
        .sort((a, b) => (a.userId < b.userId ? -1 : 1))
        .map((m) => ({
          userId: m.userId,
          roles: (m.roles ?? []).filter(([, ps]) => ps.some((p) => patterns.includes(p))).map(([name]) => name),
          grants: (m.grants ?? []).filter(([p, e]) => patterns.includes(p) && (e === null || e > now)).map(([p]) => p),
        }))
        .filter((r) => r.roles.length + r.grants.length > 0)
        .slice(0, limit);
    },
  };
  return { fake, calls };
}

test('asks the source for the four matching patterns, first + 1 rows, at its clock; via lists roles then grants', async () => {
  const { fake, calls } = source([
    { userId: 'bob', roles: [['editor', ['document:*']]], grants: [['*:edit', null], ['document:edit', 5]] },
    { userId: 'carol', grants: [['document:edit', 1_000]] },
  ]);
  const page = await new WhoCanService(fake, () => 10).page({ orgId: 'acme', permission: 'document:edit', first: 1 });
  expect(calls).toEqual([{ patterns: ['document:edit', 'document:*', '*:edit', '*:*'], after: '', limit: 2, now: 10 }]);
  expect(page).toEqual({ users: [{ userId: 'bob', via: ['editor', 'grant:*:edit'] }], pageInfo: { hasNextPage: true, endCursor: encodeCursor('bob') } });
  const next = await new WhoCanService(fake, () => 10).page({ orgId: 'acme', permission: 'document:edit', first: 1, after: page.pageInfo.endCursor });
  expect(next).toEqual({ users: [{ userId: 'carol', via: ['grant:document:edit'] }], pageInfo: { hasNextPage: false, endCursor: encodeCursor('carol') } });
});

test('an empty answer has no cursor; the default page is 100', async () => {
  const { fake, calls } = source([]);
  expect(await new WhoCanService(fake).page({ orgId: 'acme', permission: 'a:b' })).toEqual({ users: [], pageInfo: { hasNextPage: false, endCursor: null } });
  expect(calls[0]!.limit).toBe(101);
});

test('all() walks every page', async () => {
  const { fake } = source(Array.from({ length: 5 }, (_, i) => ({ userId: `u${i}`, roles: [['r', ['*:*']]] as Array<[string, string[]]> })));
  const users: string[] = [];
  for await (const u of new WhoCanService(fake).all('acme', 'a:b', 2)) users.push(u.userId);
  expect(users).toEqual(['u0', 'u1', 'u2', 'u3', 'u4']);
});

test('invalid arguments are refused before the source is asked', async () => {
  const { fake, calls } = source([]);
  const service = new WhoCanService(fake);
  for (const [request, message] of [
    [{ orgId: 'acme', permission: 'a:b', first: 0 }, 'first must be between 1 and 1000 (got 0)'],
    [{ orgId: 'acme', permission: 'a:b', first: 1.5 }, 'first must be between 1 and 1000 (got 1.5)'],
    [{ orgId: 'acme', permission: 'a:*' }, 'permission "a:*" is a pattern; ask about a concrete permission (no "*")'],
    [{ orgId: '', permission: 'a:b' }, 'orgId must not be empty'],
    [{ orgId: 'acme', permission: 'a:b', after: '!!' }, 'after is not a cursor returned by whoCan'],
  ] as const) {
    await expect(service.page(request)).rejects.toThrow(new InvalidInputError(message));
  }
  expect(calls).toHaveLength(0);
});

test('cursors: any user ID round-trips; anything not made by encodeCursor is refused', () => {
  for (const id of ['bob', "o'brien", '😀 x', 'ü', 'a'.repeat(256), '😀'.repeat(256)]) expect(decodeCursor(encodeCursor(id))).toBe(id);
  for (const bad of ['', 'Ym9i=', 'Ym9i\n', Buffer.from([0xff]).toString('base64url'), encodeCursor('\u0000'), encodeCursor(''), encodeCursor('a'.repeat(257)), 'A'.repeat(2000), 'Ym9'])
    expect(() => decodeCursor(bad)).toThrow('after is not a cursor returned by whoCan');
});
