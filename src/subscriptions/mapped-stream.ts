import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult } from 'graphql';

/**
 * graphql-js's `subscribe`, with the source's events mapped by one small object per
 * subscription instead of graphql-js's chain of closures and async functions (which an
 * idle subscription keeps for as long as it is open). Each event is executed with the
 * operation's selection set as `execute({ ...args, rootValue: event })`, as graphql-js
 * does; an error of the mapping closes the source and is thrown to the caller.
 */
export async function subscribeMapped(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const source = await createSourceEventStream(args);
  if (!isAsyncIterable(source)) return source;
  return new MappedStream(source[Symbol.asyncIterator](), args);
}

class MappedStream implements AsyncIterableIterator<ExecutionResult> {
  constructor(
    private readonly source: AsyncIterator<unknown>,
    private readonly args: ExecutionArgs,
  ) {}

  next(): Promise<IteratorResult<ExecutionResult>> {
    return this.source.next().then((event) => this.map(event));
  }

  return(): Promise<IteratorResult<ExecutionResult>> {
    if (!this.source.return) return Promise.resolve({ value: undefined, done: true });
    return this.source.return().then(() => ({ value: undefined, done: true }));
  }

  throw(error?: unknown): Promise<IteratorResult<ExecutionResult>> {
    return this.closeSource().then(() => Promise.reject(error));
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private async map(event: IteratorResult<unknown>): Promise<IteratorResult<ExecutionResult>> {
    if (event.done) return { value: undefined, done: true };
    try {
      return { value: await execute({ ...this.args, rootValue: event.value }), done: false };
    } catch (error) {
      await this.closeSource();
      throw error;
    }
  }

  private async closeSource(): Promise<void> {
    try {
      await this.source.return?.();
    } catch {
      // Keep the original error when closing the source also fails.
    }
  }
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof (value as { [Symbol.asyncIterator]?: unknown } | null)?.[Symbol.asyncIterator] === 'function';
}
