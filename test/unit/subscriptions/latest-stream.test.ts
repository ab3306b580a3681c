import { LatestStream } from '../../../src/subscriptions/latest-stream';

describe('LatestStream', () => {
  test('holds one value: a push while one waits replaces it and is reported', async () => {
    let superseded = 0;
    const taken: number[] = [];
    const stream = new LatestStream<number>({ onSuperseded: () => superseded++, onTake: (v) => taken.push(v) });
    stream.push(1);
    stream.push(2);
    stream.push(3);
    expect(superseded).toBe(2);
    expect(await stream.next()).toEqual({ value: 3, done: false });
    expect(taken).toEqual([3]);
  });

  test('a waiting next() takes the next push at once', async () => {
    const stream = new LatestStream<string>();
    const next = stream.next();
    stream.push('a');
    expect(await next).toEqual({ value: 'a', done: false });
    expect(stream.pending).toBe(false);
  });

  test('drop() discards the waiting value', async () => {
    const stream = new LatestStream<number>();
    stream.push(1);
    stream.drop();
    const next = stream.next();
    stream.push(2);
    expect(await next).toEqual({ value: 2, done: false });
  });

  test('return() ends it once: a waiting next() is done, onClose runs once, later pushes are ignored', async () => {
    let closed = 0;
    const stream = new LatestStream<number>({ onClose: () => closed++ });
    const next = stream.next();
    await stream.return();
    await stream.return();
    expect(await next).toEqual({ value: undefined, done: true });
    stream.push(1);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    expect(closed).toBe(1);
  });

  test('fail() rejects the waiting or the next next(), and closes', async () => {
    let closed = 0;
    const waiting = new LatestStream<number>({ onClose: () => closed++ });
    const next = waiting.next();
    waiting.fail(new Error('store down'));
    await expect(next).rejects.toThrow('store down');
    const later = new LatestStream<number>({ onClose: () => closed++ });
    later.fail(new Error('again'));
    await expect(later.next()).rejects.toThrow('again');
    expect(closed).toBe(2);
  });
});
