import { createCacheKeys } from '../../../src/l2/keys';
import { SingleFlight } from '../../../src/single-flight/single-flight';
import type { LoadedSet, LoadRequest } from '../../../src/source/types';
import { FakeSource } from '../../helpers/fake-source';

/** The `fresh` and `minRevision` rules, and the revision results carry. */

const revisionOf = (result: LoadedSet | Error | undefined) => (result instanceof Error || !result ? result : result.revision);
const nextTurn = () => new Promise((r) => setImmediate(r));

const fenced: LoadRequest = { userId: 'alice', orgId: 'acme', fence: 'o1/p1' };
const unfenced: LoadRequest = { userId: 'alice', orgId: 'acme' };

describe('SingleFlight: fresh requests', () => {
  it.each([
    ['fenced', fenced],
    ['unfenced', unfenced],
  ])('a fresh request never joins a dispatched %s load', async (_label, request) => {
    const store = new FakeSource();
    const flight = new SingleFlight(store, createCacheKeys());
    const release = store.hold();
    const firstCall = store.called();
    const first = flight.load([request]);
    await firstCall;
    const fresh = flight.load([{ ...request, fresh: true }]);
    await nextTurn(); // a second dispatch, if any, has run
    expect(store.calls).toEqual([[request], [{ ...request, fresh: true }]]);
    release();
    await Promise.all([first, fresh]);
  });

  it('a fresh request joins a load that has not been dispatched yet', async () => {
    const store = new FakeSource();
    const flight = new SingleFlight(store, createCacheKeys());
    const [a, b] = await Promise.all([flight.load([fenced]), flight.load([{ ...fenced, fresh: true }])]);
    expect(store.calls).toEqual([[fenced]]);
    expect(b).toEqual(a);
  });

  it('two fresh requests in one turn share one load', async () => {
    const store = new FakeSource();
    const flight = new SingleFlight(store, createCacheKeys());
    const fresh = { ...unfenced, fresh: true };
    await Promise.all([flight.load([fresh]), flight.load([{ ...fresh }])]);
    expect(store.calls).toEqual([[fresh]]);
  });

  it('a non-fresh fenced request still joins a dispatched fresh load with its fence', async () => {
    const store = new FakeSource();
    const flight = new SingleFlight(store, createCacheKeys());
    const release = store.hold();
    const firstCall = store.called();
    const first = flight.load([{ ...fenced, fresh: true }]);
    await firstCall;
    const joined = flight.load([fenced]);
    await nextTurn();
    expect(store.calls).toHaveLength(1);
    release();
    expect(await joined).toEqual(await first);
  });
});

describe('SingleFlight: retained results and freshness', () => {
  // Dispatch runs on a real setImmediate; only the retention timer is faked.
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate'] }));
  afterEach(() => jest.useRealTimers());

  const setup = () => {
    const store = new FakeSource();
    return { store, flight: new SingleFlight(store, createCacheKeys(), { retainMs: 1000 }) };
  };

  it('a fresh request does not take a retained result', async () => {
    const { store, flight } = setup();
    await flight.load([fenced]);
    store.revision = 2;
    const [result] = await flight.load([{ ...fenced, fresh: true }]);
    expect(store.calls).toEqual([[fenced], [{ ...fenced, fresh: true }]]);
    expect(revisionOf(result)).toBe(2);
  });

  it('a request with minRevision does not take a retained result of a lower revision', async () => {
    const { store, flight } = setup();
    store.revision = 3;
    await flight.load([fenced]);
    store.revision = 5;
    const [result] = await flight.load([{ ...fenced, minRevision: 4 }]);
    expect(store.calls).toEqual([[fenced], [{ ...fenced, minRevision: 4 }]]);
    expect(revisionOf(result)).toBe(5);
  });

  it.each([
    ['equal', 3],
    ['lower', 2],
    ['zero', 0],
  ])('a request with minRevision takes a retained result when minRevision is %s', async (_label, minRevision) => {
    const { store, flight } = setup();
    store.revision = 3;
    const first = await flight.load([fenced]);
    store.revision = 9;
    const reused = await flight.load([{ ...fenced, minRevision }]);
    expect(store.calls).toHaveLength(1);
    expect(reused).toEqual(first);
    expect(revisionOf(reused[0])).toBe(3);
  });

  it('a retained result of a higher revision is taken', async () => {
    const { store, flight } = setup();
    store.revision = 7;
    await flight.load([fenced]);
    const [result] = await flight.load([{ ...fenced, minRevision: 5 }]);
    expect(store.calls).toHaveLength(1);
    expect(revisionOf(result)).toBe(7);
  });

  it('a request with minRevision joins a dispatched load whose result is not in yet', async () => {
    const { store, flight } = setup();
    const release = store.hold();
    const firstCall = store.called();
    const first = flight.load([fenced]);
    await firstCall;
    const joined = flight.load([{ ...fenced, minRevision: 10 }]);
    await nextTurn();
    expect(store.calls).toHaveLength(1);
    release();
    expect(await joined).toEqual(await first);
  });

  it('the newer result replaces the stale retained one for later requests', async () => {
    const { store, flight } = setup();
    store.revision = 3;
    await flight.load([fenced]);
    store.revision = 5;
    await flight.load([{ ...fenced, minRevision: 5 }]);
    const [later] = await flight.load([{ ...fenced, minRevision: 5 }]);
    expect(store.calls).toHaveLength(2);
    expect(revisionOf(later)).toBe(5);
  });
});

describe('SingleFlight: revisions in results', () => {
  it('gives every joiner the revision of the shared load, aligned per subject', async () => {
    const store = new FakeSource();
    store.revision = 42;
    const flight = new SingleFlight(store, createCacheKeys());
    const bob = { ...fenced, userId: 'bob' };
    const [a, b] = await Promise.all([flight.load([fenced]), flight.load([bob, fenced])]);
    expect(a.map(revisionOf)).toEqual([42]);
    expect(b.map(revisionOf)).toEqual([42, 42]);
    expect(b[0]).toMatchObject({ revision: 42, snapshot: { roles: ['bob@acme'] } });
  });
});
