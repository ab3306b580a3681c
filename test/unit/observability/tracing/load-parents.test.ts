import { type Context, createContextKey, ROOT_CONTEXT } from '@opentelemetry/api';
import { LoadParents } from '../../../../src/observability/tracing/load-parents';

const request = (name: string): Context => ROOT_CONTEXT.setValue(createContextKey('request'), name);
const bob = { userId: 'bob', orgId: 'acme' };
const carol = { userId: 'carol', orgId: 'acme' };

function deferred() {
  let resolve!: (v: string) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<string>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

test('the L2 read parent is the calling request only while its load is being called, however the reads are then coalesced', async () => {
  const parents = new LoadParents<Context>();
  const a = request('a');
  const b = request('b');
  const seen: Array<Context | undefined> = [];
  const read = () => {
    seen.push(parents.reading);
    return Promise.resolve('read');
  };
  const first = parents.during(a, [bob], read);
  const second = parents.during(b, [bob], () => {
    const own = read();
    const nested = parents.during(a, [carol], read);
    void read();
    // After an await the call is over: no parent.
    return Promise.all([own, nested]).then(read);
  });
  expect(parents.reading).toBeUndefined();
  await Promise.all([first, second]);
  expect(seen).toEqual([a, b, a, b, undefined]);
});

test('a store load is parented by the first sampled load still waiting for one of its subjects', async () => {
  const parents = new LoadParents<Context>();
  const a = request('a');
  const b = request('b');
  expect(parents.storeParent([bob])).toBeUndefined();
  const loadA = deferred();
  const loadB = deferred();
  const waitingA = parents.during(a, [bob], () => loadA.promise);
  const waitingB = parents.during(b, [bob, carol], () => loadB.promise);
  expect(parents.storeParent([bob])).toBe(a);
  expect(parents.storeParent([carol])).toBe(b);
  expect(parents.storeParent([{ userId: 'dave', orgId: 'acme' }, carol])).toBe(b);

  // The oldest load waiting for any of the batch's subjects, whatever the batch's order.
  const c = request('c');
  const loadC = deferred();
  const waitingC = parents.during(c, [carol], () => loadC.promise);
  expect(parents.storeParent([carol, bob])).toBe(a);
  loadC.resolve('done');
  await waitingC;

  loadA.resolve('done');
  await waitingA;
  await Promise.resolve();
  expect(parents.storeParent([bob])).toBe(b);

  loadB.reject(new Error('store down'));
  await expect(waitingB).rejects.toThrow('store down');
  await Promise.resolve();
  expect(parents.storeParent([bob, carol])).toBeUndefined();
});

test('a load that throws at once is forgotten and leaves no read parent behind', () => {
  const parents = new LoadParents<Context>();
  expect(() =>
    parents.during(request('a'), [bob], () => {
      throw new Error('bad input');
    }),
  ).toThrow('bad input');
  expect(parents.reading).toBeUndefined();
  expect(parents.storeParent([bob])).toBeUndefined();
});

test('loads settling in any order leave the others in order, oldest first, and the newest still counted', async () => {
  const parents = new LoadParents<Context>();
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(request) as [Context, Context, Context, Context];
  const loads = [deferred(), deferred(), deferred()] as const;
  const waiting = [a, b, c].map((parent, i) => parents.during(parent, [bob], () => loads[i]!.promise));
  // The middle one first, then the oldest: the newest is left, and one added after it comes next.
  loads[1].resolve('done');
  await waiting[1];
  await Promise.resolve();
  expect(parents.storeParent([bob])).toBe(a);
  loads[0].resolve('done');
  await waiting[0];
  await Promise.resolve();
  expect(parents.storeParent([bob])).toBe(c);
  const loadD = deferred();
  const waitingD = parents.during(d, [bob, carol], () => loadD.promise);
  expect(parents.storeParent([carol])).toBe(d);
  loads[2].resolve('done');
  await waiting[2];
  await Promise.resolve();
  expect(parents.storeParent([bob])).toBe(d);
  loadD.resolve('done');
  await waitingD;
  await Promise.resolve();
  expect(parents.storeParent([bob, carol])).toBeUndefined();

  // Emptied, the list takes new loads again; the newest settling first leaves the older.
  const [loadE, loadF] = [deferred(), deferred()];
  const waitingE = parents.during(a, [bob], () => loadE.promise);
  const waitingF = parents.during(b, [carol], () => loadF.promise);
  loadF.resolve('done');
  await waitingF;
  await Promise.resolve();
  expect([parents.storeParent([bob]), parents.storeParent([carol])]).toEqual([a, undefined]);
  const waitingG = parents.during(c, [carol], () => Promise.resolve('done'));
  expect(parents.storeParent([carol])).toBe(c);
  loadE.resolve('done');
  await Promise.all([waitingE, waitingG]);
});
