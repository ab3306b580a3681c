/** The error a layer sees when its own deadline fired first. */
export class DeadlineExceededError extends Error {
  constructor(readonly operation: string, readonly timeoutMs: number) {
    super(`${operation} took longer than ${timeoutMs} ms`);
    this.name = 'DeadlineExceededError';
  }
}

/**
 * Settles with `work` or rejects after `timeoutMs`, whichever comes first. A Redis
 * command already written to the socket is not covered by the client's own timeout, so
 * every L2 call goes through this. The abandoned promise's outcome is ignored (the race
 * has subscribed to it, so a late rejection is not unhandled).
 */
export function withDeadline<T>(work: Promise<T>, timeoutMs: number, operation: string): Promise<T> {
  // One promise and one timer, not Promise.race + finally (five promises): this runs
  // twice per request on the warm path.
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new DeadlineExceededError(operation, timeoutMs)), timeoutMs);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
