import { coalescedReads } from '../../../src/l2-client/coalesced-reads';
import { openMemoryL2 } from '../../../src/l2-client/memory';
import type { L2Client, L2Write } from '../../../src/l2-client/types';
import type { VersionWrite } from '../../../src/l2-client/version-writes';
import { l2ClientWith } from '../../helpers/l2-client-faults';

/** An L2 client over a Map that records every getMany it receives (and can fail or misanswer). */
class FakeKv implements L2Client {
  readonly calls: string[][] = [];
  readonly values = new Map<string, unknown>();
  fail: Error | null = null;
  answer: ((keys: string[]) => unknown[]) | null = null;

  async getMany(keys: string[]): Promise<unknown[]> {
    this.calls.push([...keys]);
    if (this.fail) throw this.fail;
    return this.answer ? this.answer(keys) : keys.map((k) => this.values.get(k));
  }

  async setMany(entries: readonly L2Write[]): Promise<void> {
    for (const { key, value } of entries) this.values.set(key, value);
  }

  async writeVersions(writes: readonly VersionWrite[]): Promise<Array<string | null>> {
    return writes.map(() => null);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}

/** A scheduler the test runs by hand: `flush()` sends whatever has been asked so far. */
function manual() {
  const queued: Array<() => void> = [];
  return {
    schedule: (fn: () => void) => void queued.push(fn),
    get scheduled() {
      return queued.length;
    },
    flush: () => queued.splice(0).forEach((fn) => fn()),
  };
}

function setup(options: { maxKeys?: number; manual?: boolean } = {}) {
  const fake = new FakeKv();
  for (const k of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) fake.values.set(k, `v-${k}`);
  const scheduler = manual();
  const kv = coalescedReads(fake, { maxKeys: options.maxKeys, schedule: options.manual ? scheduler.schedule : undefined });
  return { fake, kv, scheduler };
}

/** One turn of the event loop (the default flush runs in the check phase). */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('coalescedReads: the first call of a turn goes at once, the later ones share one getMany at the flush', () => {
  it('sends the later calls of a turn as one getMany of their distinct keys; each caller gets its own values in order', async () => {
    const { fake, kv } = setup();
    const [w, x, y, z] = await Promise.all([kv.getMany(['a']), kv.getMany(['a', 'b', 'c']), kv.getMany(['c', 'zz', 'a']), kv.getMany(['e'])]);
    expect(fake.calls).toEqual([['a'], ['a', 'b', 'c', 'zz', 'e']]);
    expect(w).toEqual(['v-a']);
    expect(x).toEqual(['v-a', 'v-b', 'v-c']);
    expect(y).toEqual(['v-c', undefined, 'v-a']);
    expect(z).toEqual(['v-e']);
  });

  it('a lone caller sends its keys unchanged, duplicates included', async () => {
    const { fake, kv } = setup();
    expect(await kv.getMany(['b', 'a', 'b'])).toEqual(['v-b', 'v-a', 'v-b']);
    expect(fake.calls).toEqual([['b', 'a', 'b']]);
  });

  it('meets calls made from separate callbacks of one event-loop phase, promise jobs drained between them (as two sockets read in one poll phase)', async () => {
    const { fake, kv } = setup();
    // DataLoader's schedule (after the promise jobs) would have sent these as two getManys.
    const results = await new Promise<unknown[][]>((resolve) => {
      const out: Array<Promise<unknown[]>> = [];
      setImmediate(() => out.push(kv.getMany(['a'])));
      setImmediate(() => out.push(kv.getMany(['b'])));
      setImmediate(() => {
        out.push(kv.getMany(['c']));
        resolve(Promise.all(out));
      });
    });
    expect(results).toEqual([['v-a'], ['v-b'], ['v-c']]);
    expect(fake.calls).toEqual([['a'], ['b', 'c']]);
  });

  it('calls in different turns are separate batches', async () => {
    const { fake, kv } = setup();
    const first = kv.getMany(['a', 'b']);
    await nextTurn();
    const second = kv.getMany(['b', 'c']);
    expect(await first).toEqual(['v-a', 'v-b']);
    expect(await second).toEqual(['v-b', 'v-c']);
    expect(fake.calls).toEqual([['a', 'b'], ['b', 'c']]);
  });

  it('schedules the flush before it sends the first call (the Redis client then writes both in one go), and one flush per turn', async () => {
    const { fake, kv, scheduler } = setup({ manual: true });
    const scheduledWhenSent: number[] = [];
    const getMany = fake.getMany.bind(fake);
    fake.getMany = (keys) => {
      scheduledWhenSent.push(scheduler.scheduled);
      return getMany(keys);
    };
    const one = kv.getMany(['a']);
    const two = kv.getMany(['b']);
    const three = kv.getMany(['c']);
    expect(scheduler.scheduled).toBe(1);
    expect(fake.calls).toEqual([['a']]); // the first at once, the others wait for the flush
    scheduler.flush();
    expect(fake.calls).toEqual([['a'], ['b', 'c']]);
    const four = kv.getMany(['d']); // a new turn: first again
    expect(scheduler.scheduled).toBe(1);
    expect(fake.calls).toEqual([['a'], ['b', 'c'], ['d']]);
    scheduler.flush(); // nothing left for it
    expect(await Promise.all([one, two, three, four])).toEqual([['v-a'], ['v-b'], ['v-c'], ['v-d']]);
    expect(fake.calls).toHaveLength(3);
    expect(scheduledWhenSent).toEqual([1, 0, 1]);
  });

  it('reports each getMany as it is sent, with the number of calls it carries', async () => {
    const fake = new FakeKv();
    const batches: number[] = [];
    const kv = coalescedReads(fake, { maxKeys: 2, onBatch: (calls) => batches.push(calls) });
    const reads = Promise.all([kv.getMany(['a']), kv.getMany(['b']), kv.getMany(['c']), kv.getMany(['d', 'e'])]);
    expect(batches).toEqual([1]);
    await reads;
    expect(batches).toEqual([1, 2, 1]);
    await kv.getMany(['f']);
    expect(batches).toEqual([1, 2, 1, 1]);
  });

  it('an empty call resolves at once, without a round trip', async () => {
    const { fake, kv, scheduler } = setup({ manual: true });
    expect(await kv.getMany([])).toEqual([]);
    expect(scheduler.scheduled).toBe(0);
    expect(fake.calls).toEqual([]);
  });
});

describe('coalescedReads: failures', () => {
  it('a failing getMany rejects every caller of that batch, and the next batch works again', async () => {
    const { fake, kv } = setup();
    fake.fail = new Error('ECONNRESET');
    const outcomes = await Promise.allSettled([kv.getMany(['a']), kv.getMany(['b', 'a']), kv.getMany(['c'])]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(outcomes.map((o) => (o as PromiseRejectedResult).reason.message)).toEqual(['ECONNRESET', 'ECONNRESET', 'ECONNRESET']);
    expect(fake.calls).toEqual([['a'], ['b', 'a', 'c']]);

    fake.fail = null;
    expect(await Promise.all([kv.getMany(['a']), kv.getMany(['b'])])).toEqual([['v-a'], ['v-b']]);
    expect(fake.calls).toHaveLength(4);
  });

  it('a getMany that throws synchronously rejects its callers too', async () => {
    const throwing = l2ClientWith({ getMany: () => { throw new Error('not connected'); } });
    const kv = coalescedReads(throwing);
    await expect(Promise.all([kv.getMany(['a']), kv.getMany(['b'])])).rejects.toThrow('not connected');
    await expect(kv.getMany(['a'])).rejects.toThrow('not connected');
  });

  it('an answer of the wrong length rejects every caller: values are never handed out misaligned', async () => {
    const { fake, kv } = setup();
    fake.answer = (keys) => keys.slice(1).map((k) => `v-${k}`);
    const [first, ...later] = await Promise.allSettled([kv.getMany(['x']), kv.getMany(['a', 'b']), kv.getMany(['c'])]);
    expect(String((first as PromiseRejectedResult).reason)).toMatch(/0 values for 1 keys/);
    expect(later.every((o) => o.status === 'rejected' && /2 values for 3 keys/.test(String(o.reason)))).toBe(true);
    await expect(kv.getMany(['a', 'b'])).rejects.toThrow('1 values for 2 keys');
  });

  it('one batch failing leaves the other batches of the same flush alone', async () => {
    const { fake, kv } = setup({ maxKeys: 2 });
    fake.answer = (keys) => {
      if (keys.includes('c')) throw new Error('node down');
      return keys.map((k) => `v-${k}`);
    };
    const outcomes = await Promise.allSettled([kv.getMany(['x']), kv.getMany(['a', 'b']), kv.getMany(['c', 'd'])]);
    expect(fake.calls).toEqual([['x'], ['a', 'b'], ['c', 'd']]);
    expect(outcomes[1]).toEqual({ status: 'fulfilled', value: ['v-a', 'v-b'] });
    expect(outcomes[2]).toMatchObject({ status: 'rejected', reason: new Error('node down') });
  });
});

describe('coalescedReads: batch size', () => {
  it('caps each getMany at maxKeys distinct keys, splitting the union between callers', async () => {
    const { fake, kv } = setup({ maxKeys: 4 });
    const results = await Promise.all([
      kv.getMany(['x']), // the turn's first: at once
      kv.getMany(['a', 'b', 'c']),
      kv.getMany(['c', 'd', 'a']), // one new key: fits (4)
      kv.getMany(['e']), // would make 5: next batch
      kv.getMany(['f', 'g', 'e']),
      kv.getMany(['a']), // a again: in a batch that lacks it, it costs a key
    ]);
    expect(fake.calls).toEqual([
      ['x'],
      ['a', 'b', 'c', 'd'],
      ['e', 'f', 'g', 'a'],
    ]);
    expect(results).toEqual([[undefined], ['v-a', 'v-b', 'v-c'], ['v-c', 'v-d', 'v-a'], ['v-e'], ['v-f', 'v-g', 'v-e'], ['v-a']]);
  });

  it('never splits one call: a caller over the cap goes alone, in one getMany', async () => {
    const { fake, kv } = setup({ maxKeys: 2 });
    const results = await Promise.all([kv.getMany(['a']), kv.getMany(['b', 'c', 'd']), kv.getMany(['e'])]);
    expect(fake.calls).toEqual([['a'], ['b', 'c', 'd'], ['e']]);
    expect(results).toEqual([['v-a'], ['v-b', 'v-c', 'v-d'], ['v-e']]);
  });

  it('defaults to 1,000 keys per getMany', async () => {
    const { fake, kv } = setup();
    fake.answer = (keys) => keys.map((k) => `v-${k}`);
    const callers = Array.from({ length: 10 }, (_, c) => Array.from({ length: 300 }, (_, i) => `k${c}-${i}`));
    const results = await Promise.all(callers.map((keys) => kv.getMany(keys)));
    expect(fake.calls.map((keys) => keys.length)).toEqual([300, 900, 900, 900]);
    results.forEach((values, c) => expect(values).toEqual(callers[c]!.map((k) => `v-${k}`)));
  });
});

describe('coalescedReads: everything else passes through', () => {
  it('on the in-memory client: writes go straight through; getMany reads what was written', async () => {
    const inner = openMemoryL2().client;
    const spy = jest.spyOn(inner, 'getMany');
    const kv = coalescedReads(inner);
    await kv.setMany([{ key: 'a', value: { n: 1 } }]);
    expect(await kv.writeVersions([{ kind: 'create', key: 'v', token: 'token', ttlMs: 60_000, replaceJunk: false }])).toEqual(['token']);
    expect(spy).not.toHaveBeenCalled();
    expect(await Promise.all([kv.getMany(['a', 'b']), kv.getMany(['a']), kv.getMany(['v'])])).toEqual([[{ n: 1 }, undefined], [{ n: 1 }], ['token']]);
    expect(spy).toHaveBeenCalledTimes(2);
    expect(spy.mock.calls.map(([keys]) => keys)).toEqual([['a', 'b'], ['a', 'v']]);
  });
});
