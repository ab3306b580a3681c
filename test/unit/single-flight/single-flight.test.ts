import { createCacheKeys } from '../../../src/l2/keys';
import { SingleFlight } from '../../../src/single-flight/single-flight';
import type { LoadedSet, LoadRequest } from '../../../src/source/types';
import { FakeSource, namedSet } from '../../helpers/fake-source';

const rolesOf = (result: LoadedSet | Error | undefined) => (result instanceof Error || !result ? result : result.snapshot.roles);

const setup = () => {
  const source = new FakeSource();
  return { source, flight: new SingleFlight(source, createCacheKeys()) };
};
const alice: LoadRequest = { userId: 'alice', orgId: 'acme', fence: 'o1/p1' };
const bob: LoadRequest = { userId: 'bob', orgId: 'acme', fence: 'o1/p1' };

describe('SingleFlight: batching in one tick', () => {
  it('shares one load between concurrent requests for the same subject and fence', async () => {
    const { source, flight } = setup();
    const [a, b] = await Promise.all([flight.load([alice]), flight.load([{ ...alice }, alice])]);
    expect(source.calls).toEqual([[alice]]);
    expect(rolesOf(a[0])).toEqual(['alice@acme']);
    expect(b.map(rolesOf)).toEqual([['alice@acme'], ['alice@acme']]);
    expect(flight.size).toBe(0);
  });

  it('shares one load between unfenced requests that arrive before dispatch', async () => {
    const { source, flight } = setup();
    const plain = { userId: 'alice', orgId: 'acme' };
    await Promise.all([flight.load([plain]), flight.load([plain])]);
    expect(source.calls).toEqual([[plain]]);
  });

  it('sends different subjects of the same tick in one call, answers aligned', async () => {
    const { source, flight } = setup();
    const [a, b] = await Promise.all([flight.load([alice]), flight.load([bob, alice])]);
    expect(source.calls).toEqual([[alice, bob]]);
    expect(rolesOf(a[0])).toEqual(['alice@acme']);
    expect(b.map(rolesOf)).toEqual([['bob@acme'], ['alice@acme']]);
  });

  it('does not merge requests for the same subject under different fences', async () => {
    const { source, flight } = setup();
    const stale = { ...alice, fence: 'o0/p0' };
    const unfenced = { userId: 'alice', orgId: 'acme' };
    await Promise.all([flight.load([alice]), flight.load([stale]), flight.load([unfenced])]);
    expect(source.calls).toEqual([[alice, stale, unfenced]]);
  });

  it('keeps subjects whose encoded IDs could collide apart', async () => {
    const { source, flight } = setup();
    const left = { userId: 'a:b', orgId: 'c', fence: 'f' };
    const right = { userId: 'a', orgId: 'b:c', fence: 'f' };
    const [l, r] = await Promise.all([flight.load([left]), flight.load([right])]);
    expect(source.calls).toEqual([[left, right]]);
    expect(rolesOf(l[0])).toEqual(['a:b@c']);
    expect(rolesOf(r[0])).toEqual(['a@b:c']);
  });
});

describe('SingleFlight: failures', () => {
  it('gives every waiter an Error when the next layer rejects, and does not keep it', async () => {
    const { source, flight } = setup();
    source.respond = async () => {
      throw new Error('store unavailable');
    };
    const [a, b] = await Promise.all([flight.load([alice]), flight.load([alice, bob])]);
    for (const result of [a[0], b[0], b[1]]) {
      expect(result).toBeInstanceOf(Error);
      expect((result as Error).message).toBe('store unavailable');
    }
    expect(flight.size).toBe(0);

    source.respond = async (requests) => requests.map((r) => namedSet(r));
    const again = await flight.load([alice]);
    expect(source.calls).toHaveLength(2);
    expect(rolesOf(again[0])).toEqual(['alice@acme']);
  });

  it('wraps a non-Error rejection in an Error', async () => {
    const { source, flight } = setup();
    source.respond = () => Promise.reject('boom');
    const [result] = await flight.load([alice]);
    expect(result).toBeInstanceOf(Error);
    expect((result as Error).message).toBe('boom');
  });

  it('turns a result of the wrong length into Errors rather than misaligned answers', async () => {
    const { source, flight } = setup();
    source.respond = async (requests) => requests.slice(1).map((r) => namedSet(r));
    const [a, b] = await Promise.all([flight.load([alice]), flight.load([bob])]);
    expect(a[0]).toBeInstanceOf(Error);
    expect(b[0]).toBeInstanceOf(Error);
    expect((a[0] as Error).message).toMatch(/returned 1 results for 2 subjects/);
  });

  it('fails only the subject whose entry is an Error, and loads it again next time', async () => {
    const { source, flight } = setup();
    source.respond = async (requests) => requests.map((r) => (r.userId === 'bob' ? new Error('bob failed') : namedSet(r)));
    const [a, b] = await Promise.all([flight.load([alice]), flight.load([bob])]);
    expect(rolesOf(a[0])).toEqual(['alice@acme']);
    expect((b[0] as Error).message).toBe('bob failed');
    source.respond = async (requests) => requests.map((r) => namedSet(r));
    expect(rolesOf((await flight.load([bob]))[0])).toEqual(['bob@acme']);
    expect(source.calls).toEqual([[alice, bob], [bob]]);
  });
});

describe('SingleFlight: joining a load already sent', () => {
  it('starts a new load for an unfenced request once the first one was dispatched', async () => {
    const { source, flight } = setup();
    const release = source.hold();
    const plain = { userId: 'alice', orgId: 'acme' };
    const firstCall = source.called();
    const first = flight.load([plain]);
    await firstCall;
    const secondCall = source.called();
    const second = flight.load([plain]);
    await secondCall;
    expect(source.calls).toEqual([[plain], [plain]]);
    release();
    expect((await first).map(rolesOf)).toEqual([['alice@acme']]);
    expect((await second).map(rolesOf)).toEqual([['alice@acme']]);
  });

  it('lets a fenced request join the dispatched load with the same fence', async () => {
    const { source, flight } = setup();
    const release = source.hold();
    const firstCall = source.called();
    const first = flight.load([alice]);
    await firstCall;
    const joined = flight.load([{ ...alice }]);
    await new Promise((r) => setImmediate(r)); // a second dispatch, if any, would have run
    expect(source.calls).toEqual([[alice]]);
    expect(flight.size).toBe(1);
    release();
    const [a, b] = await Promise.all([first, joined]);
    expect(b).toEqual(a);
    expect(source.calls).toHaveLength(1);
  });

  it('does not let a fenced request with another fence join the dispatched load', async () => {
    const { source, flight } = setup();
    const release = source.hold();
    const firstCall = source.called();
    const first = flight.load([alice]);
    await firstCall;
    const secondCall = source.called();
    const newer = flight.load([{ ...alice, fence: 'o2/p1' }]);
    await secondCall;
    expect(source.calls).toEqual([[alice], [{ ...alice, fence: 'o2/p1' }]]);
    release();
    await Promise.all([first, newer]);
  });

  it('keeps the newer flight when an older flight for the same key ends', async () => {
    const { source, flight } = setup();
    const plain = { userId: 'alice', orgId: 'acme' };
    const releaseFirst = source.hold();
    const firstCall = source.called();
    const first = flight.load([plain]);
    await firstCall;
    const releaseSecond = source.hold();
    const secondCall = source.called();
    const second = flight.load([plain]);
    await secondCall;
    releaseFirst();
    await first;
    expect(flight.size).toBe(1);
    releaseSecond();
    await second;
    expect(flight.size).toBe(0);
  });
});
