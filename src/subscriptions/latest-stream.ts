/**
 * An async iterator that holds at most one value not yet taken: a `push` while a value
 * waits replaces it (the replaced one is reported to `onSuperseded`). It is how a
 * subscriber's queue stays bounded however slowly it reads: graphql-ws takes the next
 * value only once the previous message was written to the socket, so per subscription
 * there is at most one message in the socket's buffer and one value here.
 *
 * `end` finishes the iteration (after the waiting value, if any, is dropped); `fail`
 * makes the next `next()` reject. `return()` (the client completed, or the socket
 * closed) runs `onClose` once.
 */
export class LatestStream<T> implements AsyncIterableIterator<T> {
  private waiting: { value: T } | null = null;
  private taker: ((result: IteratorResult<T>) => void) | null = null;
  private failer: ((error: unknown) => void) | null = null;
  private failure: { error: unknown } | null = null;
  private finished = false;

  constructor(private readonly hooks: { onTake?: (value: T) => void; onSuperseded?: () => void; onClose?: () => void } = {}) {}

  get done(): boolean {
    return this.finished;
  }

  /** Whether a value waits to be taken. */
  get pending(): boolean {
    return this.waiting !== null;
  }

  push(value: T): void {
    if (this.finished) return;
    if (this.taker) {
      const take = this.taker;
      this.taker = this.failer = null;
      this.hooks.onTake?.(value);
      take({ value, done: false });
      return;
    }
    if (this.waiting) this.hooks.onSuperseded?.();
    this.waiting = { value };
  }

  /** Drops the waiting value, if any (a newer one made it moot). */
  drop(): void {
    if (this.waiting) this.hooks.onSuperseded?.();
    this.waiting = null;
  }

  /** Ends the iteration: a waiting value is dropped, a waiting `next()` resolves done. */
  end(): void {
    this.close();
  }

  fail(error: unknown): void {
    if (this.finished) return;
    if (this.failer) {
      const reject = this.failer;
      this.taker = this.failer = null;
      this.close();
      reject(error);
      return;
    }
    this.failure = { error };
  }

  next(): Promise<IteratorResult<T>> {
    if (this.failure) {
      const { error } = this.failure;
      this.failure = null;
      this.close();
      return Promise.reject(error);
    }
    if (this.waiting) {
      const { value } = this.waiting;
      this.waiting = null;
      this.hooks.onTake?.(value);
      return Promise.resolve({ value, done: false });
    }
    if (this.finished) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.taker = resolve;
      this.failer = reject;
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<T>> {
    this.close();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private close(): void {
    if (this.finished) return;
    this.finished = true;
    this.waiting = null;
    const take = this.taker;
    this.taker = this.failer = null;
    take?.({ value: undefined, done: true });
    this.hooks.onClose?.();
  }
}
