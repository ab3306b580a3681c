import { buildSchema } from 'graphql';
import { OperationCache } from '../../../src/graphql/prepared/operation-cache';

const schema = buildSchema('type Query { a: String b: String c: String }');
const cache = (maxEntries = 2) => new OperationCache({ schema, validationRules: [], parseOptions: {}, maxEntries });
/** Two sightings: the second prepares. */
const prepare = (c: OperationCache, query: string) => (c.get(query, null), c.get(query, null));

test('a text is prepared on its second sighting, and kept', () => {
  const c = cache();
  expect(c.get('{ a }', null)).toBeNull();
  const prepared = c.get('{ a }', null);
  expect(prepared).toMatchObject({ name: null, type: 'query' });
  expect(c.get('{ a }', null)).toBe(prepared);
});

test('the least recently used entry is evicted first: a hit keeps an entry', () => {
  const c = cache(2);
  const a = prepare(c, '{ a }');
  prepare(c, '{ b }');
  expect(c.get('{ a }', null)).toBe(a); // a is now the most recently used
  prepare(c, '{ c }'); // evicts b
  expect(c.get('{ a }', null)).toBe(a);
  expect(c.get('{ b }', null)).toBeNull(); // b starts over: a first sighting again
});

test('refused: several top-level fields, mutations, introspection, __proto__ aliases, invalid documents, odd operation names', () => {
  const c = cache(50);
  for (const text of ['{ a b }', '{ __schema { queryType { name } } }', '{ __proto__: a }', '{ nope }', '{ a', 'mutation { a }']) {
    expect(prepare(c, text)).toBeNull();
  }
  expect(prepare(c, 'query Q { a }')).not.toBeNull();
  expect((c.get('query Q { a }', 'Q'), c.get('query Q { a }', 'Q'))).not.toBeNull();
  expect((c.get('query Q { a }', 'Q x'), c.get('query Q { a }', 'Q x'))).toBeNull();
  expect((c.get('query Q { a }', 'Q'.repeat(129)), c.get('query Q { a }', 'Q'.repeat(129)))).toBeNull();
});
