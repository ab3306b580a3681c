import pino from 'pino';
import type { Registry } from 'prom-client';
import { logEventsCounter, logLinesDroppedCounter } from './metrics';

export type Logger = pino.Logger;

export interface LoggerOptions {
  /** LOG_FORMAT: `auto` is pretty only in development, on a terminal, with pino-pretty installed. */
  format?: 'auto' | 'json' | 'pretty';
  development?: boolean;
  /** Counts written log events in `authz_log_events_total{level,event}` (the preflight reads it). */
  registry?: Registry;
}

/**
 * The process logger: JSON lines, with credentials redacted wherever they might appear
 * (headers, connection strings). Modules get child loggers with trusted bindings only.
 * An explicit `destination` (tests) always gets JSON.
 *
 * On stdout, lines are buffered (see bufferedDestination).
 */
export function createLogger(level: string, destination?: pino.DestinationStream, options: LoggerOptions = {}): Logger {
  const counter = options.registry ? logEventsCounter(options.registry) : null;
  const children = new Map<string, { inc(): void }>();
  return pino(
    {
      level,
      base: { service: 'authz-gateway' },
      redact: {
        paths: ['req.headers.authorization', 'headers.authorization', 'authorization', '*.password', 'password', 'token', 'apiKey'],
        censor: '[redacted]',
      },
      // Called only for enabled levels, so the counter says what was actually logged.
      ...(counter && {
        hooks: {
          logMethod(args, method, levelValue) {
            const first = args[0] as unknown;
            const event = first && typeof first === 'object' && typeof (first as { event?: unknown }).event === 'string' ? (first as { event: string }).event : 'message';
            // Label-bound children, cached: one log line per request at info (the request log).
            const key = `${levelValue} ${event}`;
            let child = children.get(key);
            if (!child) children.set(key, (child = counter.labels({ level: pino.levels.labels[levelValue] ?? String(levelValue), event })));
            child.inc();
            return method.apply(this, args as Parameters<typeof method>);
          },
        },
      }),
    },
    destination ?? prettyStream(options) ?? bufferedDestination(1, { registry: options.registry }),
  );
}

/** sonic-boom, with its `destroyed` flag (set once it closes), which its type declarations leave out. */
export type BufferedDestination = ReturnType<typeof pino.destination> & { destroyed: boolean };

export interface BufferedDestinationOptions {
  /** Log bytes waiting for the reader beyond which new lines are dropped (default 32 MB: ~4 s of request lines at 24k requests/s). */
  maxPendingBytes?: number;
  /** Registers `authz_log_lines_dropped_total`. */
  registry?: Registry;
}

/**
 * Log lines to `fd` (stdout) through pino's sonic-boom, asynchronous and buffered in the
 * event loop: lines go out in writes of 64 KB or more (on libuv's pool), and at least
 * every 100 ms, so a quiet gateway's last line waits at most that. A stop writes out what
 * is buffered first (drainLog); on an uncaught error pino's exit handler writes it
 * synchronously. A SIGKILL or an OOM kill loses what is pending: normally up to 100 ms
 * of lines, up to `maxPendingBytes` when the reader has stalled.
 *
 * Each line is handed over as a Buffer (sonic-boom's `buffer` content mode). In its
 * default string mode sonic-boom appends the line to the pending string and then takes
 * that string's UTF-8 length (`Buffer.byteLength`), which flattens and scans everything
 * pending once per line, so the cost per line grows with the write size. With Buffers,
 * bigger writes cost nothing per line, and fewer writes mean fewer wake-ups of a pool
 * thread and of the reader, which on a small machine preempt the event loop: hence
 * 64 KB writes.
 *
 * When the reader falls behind (a stalled log shipper), lines wait in memory up to
 * `maxPendingBytes`; later ones are dropped and counted in `authz_log_lines_dropped_total`,
 * and stderr says so once. Dropping keeps the gateway answering and its memory bounded
 * (a blocked write holds one libuv pool thread until the reader moves); the alternative,
 * writing synchronously, would stall every decision behind the reader.
 *
 * Not a pino transport (a worker thread): handing each line to a worker costs more CPU
 * per request than appending it to this buffer, and the worker's wake-ups take CPU from
 * everything else. docs/benchmarks.md has the measurements behind these choices.
 */
export function bufferedDestination(fd: number, options: BufferedDestinationOptions = {}): BufferedDestination {
  const stream = pino.destination({
    dest: fd,
    sync: false,
    minLength: 64 * 1024,
    maxWrite: 128 * 1024,
    maxLength: options.maxPendingBytes ?? 32 * 1024 * 1024,
    periodicFlush: 100,
    contentMode: 'buffer',
  } as Parameters<typeof pino.destination>[0]) as BufferedDestination;
  // The fd gone (a closed pipe: EPIPE, after which pino drops every line) or failing:
  // say so once on stderr and keep serving; an unhandled 'error' would stop the
  // gateway over its logs.
  let failed = false;
  stream.on('error', (error: Error) => {
    // Closed on purpose (drainLog gave up): a write still in flight then fails.
    if (stream.destroyed) return;
    if (!failed) process.stderr.write(`authz-gateway: log output failed, log lines are lost from now on: ${error.message}\n`);
    failed = true;
    // sonic-boom's synchronous flush (pino's exit handler, `fatal`) mishandles the chunk
    // a failed write leaves behind in buffer mode (its length is not put back with it),
    // writing garbage; lines still pending at exit are dropped instead.
    stream.flushSync = () => undefined;
  });
  const dropped = options.registry ? logLinesDroppedCounter(options.registry) : null;
  let droppedAny = false;
  stream.on('drop', () => {
    dropped?.inc();
    if (!droppedAny) process.stderr.write('authz-gateway: log output is falling behind; dropping log lines (counted in authz_log_lines_dropped_total)\n');
    droppedAny = true;
  });
  // pino writes strings and this mode takes Buffers. Replacing the method (not wrapping
  // the stream) keeps pino's exit flush and its EPIPE handling, which swaps `write` for
  // a no-op, working on the stream itself.
  const writeBuffer = stream.write.bind(stream) as unknown as (data: Buffer) => boolean;
  stream.write = (line: string) => writeBuffer(Buffer.from(line));
  return stream;
}

/**
 * Writes out what the log still holds before the process exits, waiting at most
 * `timeoutMs`; false if the reader did not take it in time, in which case the rest is
 * dropped so that the process can exit. Without this, pino's exit handler writes
 * synchronously while an asynchronous write may still be in flight, which can interleave
 * the two on a pipe, and blocks for good on a reader that has
 * stopped; after a drain it has nothing left to write.
 */
export function drainLog(logger: Logger, timeoutMs: number): Promise<boolean> {
  const stream = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as {
    write(line: string): boolean;
    flush?(callback: (error?: Error) => void): void;
    destroy?(): void;
    destroyed?: boolean;
  };
  const flush = stream.flush;
  if (typeof flush !== 'function' || stream.destroyed) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      stream.write = () => true; // lines logged from here on are dropped, not thrown at their callers
      stream.destroy?.();
      resolve(false);
    }, timeoutMs);
    // The callback's error is sonic-boom's fsync, which pipes refuse (EINVAL), after the
    // lines were written; or a failed write, which the 'error' listener has reported,
    // and after which nothing is written synchronously at exit.
    flush.call(stream, () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** pino-pretty (a devDependency) when asked for and installed; undefined means JSON on stdout. */
function prettyStream(options: LoggerOptions): pino.DestinationStream | undefined {
  const format = options.format ?? 'auto';
  if (format === 'json') return undefined;
  if (format === 'auto' && !(options.development && process.stdout.isTTY)) return undefined;
  try {
    // Required lazily: production images install no devDependencies.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pretty = require('pino-pretty') as (o: object) => pino.DestinationStream;
    return pretty({ colorize: Boolean(process.stdout.isTTY), translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' });
  } catch {
    if (format === 'pretty') process.stderr.write('LOG_FORMAT=pretty: pino-pretty is not installed; logging JSON\n');
    return undefined;
  }
}
