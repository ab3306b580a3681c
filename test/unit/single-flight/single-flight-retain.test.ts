import { createCacheKeys } from '../../../src/l2/keys';
import { SingleFlight } from '../../../src/single-flight/single-flight';
import type { LoadedSet, LoadRequest, PermissionSetSource } from '../../../src/source/types';

/** Keeping finished fenced results for `retainMs` (the `retainMs` option). */

const answer = (r: LoadRequest): LoadedSet => ({
  snapshot: { member: true, roles: [`${r.userId}@${r.orgId}`], rolePatterns: [], grants: [] },
  status: 'MISS',
  revision: 1,
});

function setup(retainMs?: number) {
  const calls: LoadRequest[][] = [];
  const source: PermissionSetSource & { fail: boolean } = {
    fail: false,
    async load(requests: readonly LoadRequest[]): Promise<Array<LoadedSet | Error>> {
      calls.push([...requests]);
      return requests.map((r) => (source.fail ? new Error('store failed') : answer(r)));
    },
  };
  const flight = new SingleFlight(source, createCacheKeys(), retainMs === undefined ? undefined : { retainMs });
  return { calls, source, flight };
}

const fenced: LoadRequest = { userId: 'alice', orgId: 'acme', fence: 'o1/p1' };
const unfenced: LoadRequest = { userId: 'alice', orgId: 'acme' };

describe('SingleFlight retention', () => {
  // Dispatch runs on a real setImmediate; only the retention timer is faked.
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate'] }));
  afterEach(() => jest.useRealTimers());

  it('keeps nothing by default', async () => {
    const { calls, flight } = setup();
    await flight.load([fenced]);
    expect(flight.size).toBe(0);
    await flight.load([fenced]);
    expect(calls).toHaveLength(2);
  });

  it('reuses a fenced result with the same fence until retainMs has passed', async () => {
    const { calls, flight } = setup(1000);
    const first = await flight.load([fenced]);
    const reused = await flight.load([{ ...fenced }]);
    expect(calls).toHaveLength(1);
    expect(reused).toEqual(first);

    jest.advanceTimersByTime(999);
    await flight.load([fenced]);
    expect(calls).toHaveLength(1);

    jest.advanceTimersByTime(1);
    expect(flight.size).toBe(0);
    await flight.load([fenced]);
    expect(calls).toHaveLength(2);
  });

  it('does not serve a retained result to a request with another fence', async () => {
    const { calls, flight } = setup(1000);
    await flight.load([fenced]);
    await flight.load([{ ...fenced, fence: 'o2/p1' }]);
    expect(calls).toEqual([[fenced], [{ ...fenced, fence: 'o2/p1' }]]);
  });

  it('does not retain unfenced results', async () => {
    const { calls, flight } = setup(1000);
    await flight.load([unfenced]);
    expect(flight.size).toBe(0);
    await flight.load([unfenced]);
    expect(calls).toHaveLength(2);
  });

  it('does not retain errors', async () => {
    const { calls, source, flight } = setup(1000);
    source.fail = true;
    const [failed] = await flight.load([fenced]);
    expect(failed).toBeInstanceOf(Error);
    expect(flight.size).toBe(0);
    source.fail = false;
    const [loaded] = await flight.load([fenced]);
    expect(loaded).toEqual(answer(fenced));
    expect(calls).toHaveLength(2);
  });
});
