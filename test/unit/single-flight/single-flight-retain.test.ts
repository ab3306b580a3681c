import { createCacheKeys } from '../../../src/l2/keys';
import { SingleFlight } from '../../../src/single-flight/single-flight';
import type { LoadRequest } from '../../../src/source/types';
import { FakeSource, namedSet } from '../../helpers/fake-source';

/** Keeping finished fenced results for `retainMs` (the `retainMs` option). */

function setup(retainMs?: number) {
  const source = Object.assign(new FakeSource(), { fail: false });
  source.answer = (r) => (source.fail ? new Error('store failed') : namedSet(r));
  const flight = new SingleFlight(source, createCacheKeys(), retainMs === undefined ? undefined : { retainMs });
  return { calls: source.calls, source, flight };
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
    expect(loaded).toEqual(namedSet(fenced));
    expect(calls).toHaveLength(2);
  });
});
