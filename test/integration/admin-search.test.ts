import { seed } from '../helpers/policy';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway';

/** `members(search:)` is literal text: `%`, `_` and `\` match only themselves. */
let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
  await seed(gw.gateway.database.prisma, {
    organizations: [{ id: 'acme', name: 'Acme' }],
    memberships: ['a:b', 'a_b', 'alice', 'bob', '50%off', 'x\\y', 'xy', 'A_B-upper'].map((userId) => ({ userId, orgId: 'acme' })),
  });
});
afterAll(() => gw?.close());

async function search(text: string, first?: number, after?: string): Promise<{ ids: string[]; endCursor: string | null; hasNextPage: boolean }> {
  const res = await gw.gql(
    `query ($s: String, $f: Int, $a: String) { organization(id: "acme") { members(search: $s, first: $f, after: $a) { members { userId } pageInfo { endCursor hasNextPage } } } }`,
    { s: text, f: first, a: after },
  );
  expect(res.errors).toBeUndefined();
  const page = res.data!.organization.members;
  return { ids: page.members.map((m: { userId: string }) => m.userId), endCursor: page.pageInfo.endCursor, hasNextPage: page.pageInfo.hasNextPage };
}

test.each([
  ['%', ['50%off']],
  ['_', ['a_b', 'A_B-upper']],
  ['a_b', ['a_b', 'A_B-upper']],
  ['\\', ['x\\y']],
  ['x\\y', ['x\\y']],
  ['%off', ['50%off']],
  ['li', ['alice']],
])('search %j lists exactly %j', async (text, expected) => {
  expect((await search(text)).ids.sort()).toEqual([...expected].sort());
});

test('a search still pages with `after`', async () => {
  const first = await search('_', 1);
  expect(first.ids).toHaveLength(1);
  expect(first.hasNextPage).toBe(true);
  const second = await search('_', 1, first.endCursor!);
  expect(second.ids).toHaveLength(1);
  expect(second.hasNextPage).toBe(false);
  expect([...first.ids, ...second.ids].sort()).toEqual(['A_B-upper', 'a_b']);
});
