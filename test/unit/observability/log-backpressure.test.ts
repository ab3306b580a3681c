import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { bufferedDestination, createLogger, drainLog } from '../../../src/observability/logger';

/**
 * The log's reader made for real: a FIFO. Its read end is opened first and only read
 * from when a test says so, so until then the kernel's pipe buffer fills and the
 * destination's writes block, as they would on a stdout whose log shipper stalled.
 * stderr is captured with a spy (its reports are under test).
 */
function fifoLog(maxPendingBytes: number) {
  const dir = mkdtempSync(join(tmpdir(), 'authz-log-'));
  const path = join(dir, 'log');
  execFileSync('mkfifo', [path]);
  const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK); // needs no writer
  const writeFd = openSync(path, constants.O_WRONLY); // does not wait: there is a reader
  const registry = new Registry();
  const destination = bufferedDestination(writeFd, { maxPendingBytes, registry });
  const logger = createLogger('info', destination);
  let reader: Socket | undefined;
  const seqs: number[] = [];
  const paddings: string[] = [];
  let pending = Buffer.alloc(0);
  return {
    logger,
    destination,
    seqs,
    paddings,
    dropped: async () => (await registry.getSingleMetric('authz_log_lines_dropped_total')!.get()).values[0]!.value,
    /** Starts reading: every line that arrives is parsed and its `seq` kept. */
    read() {
      reader ??= new Socket({ fd: readFd, readable: true, writable: false }).on('data', (chunk: Buffer) => {
        // Split on bytes: a chunk may end inside a multi-byte character.
        pending = Buffer.concat([pending, chunk]);
        let end: number;
        while ((end = pending.indexOf(0x0a)) >= 0) {
          const line = JSON.parse(pending.subarray(0, end).toString('utf8')) as { seq: number; padding: string };
          seqs.push(line.seq);
          paddings.push(line.padding);
          pending = pending.subarray(end + 1);
        }
      });
      return reader;
    },
    async untilLines(count: number) {
      const r = this.read();
      while (seqs.length < count) await once(r, 'data');
    },
    /** Reads what is left, so that no write stays blocked, and closes both ends. */
    async close() {
      const r = this.read();
      if (!destination.destroyed) {
        destination.end();
        await once(destination, 'close');
      }
      r.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const padding = `${'x'.repeat(990)}é€😀`; // multi-byte UTF-8: a write may split a character, a line must not
const LINES = 1000; // ~1 MB, 20 lines per event-loop turn

async function logInTurns(logger: ReturnType<typeof createLogger>) {
  for (let seq = 0; seq < LINES; seq++) {
    logger.info({ event: 'test_line', seq, padding }, 'line');
    if (seq % 20 === 19) await nextTurn();
  }
}

let stderr: jest.SpyInstance;
beforeEach(() => (stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true)));
afterEach(() => stderr.mockRestore());
const reports = (text: string) => stderr.mock.calls.map(([chunk]) => String(chunk)).filter((chunk) => chunk.includes(text));

test('lines go through a pipe in 64-128 KB writes whole and in order, multi-byte characters included', async () => {
  const log = fifoLog(4 * 1024 * 1024); // above all 1,000 lines: nothing can be dropped, however the reader is scheduled
  try {
    log.read();
    await logInTurns(log.logger);
    await log.untilLines(LINES);
    expect(log.seqs).toEqual(Array.from({ length: LINES }, (_, i) => i));
    expect(log.paddings.every((p) => p === padding)).toBe(true);
    expect(await log.dropped()).toBe(0);
  } finally {
    await log.close();
  }
});

test('a reader that stops reading: lines beyond the pending bound are dropped and counted, stderr says so once, the kept ones arrive whole and in order', async () => {
  const log = fifoLog(256 * 1024);
  try {
    await logInTurns(log.logger);
    const dropped = await log.dropped();
    expect(dropped).toBeGreaterThan(0);
    // Kept: what the pipe took (64 KB), what was being written, and the 256 KB bound.
    expect((LINES - dropped) * Buffer.byteLength(padding)).toBeLessThan(64 * 1024 + 128 * 1024 + 256 * 1024);
    expect(reports('dropping log lines')).toHaveLength(1);

    // The reader catches up: every kept line arrives, and a drain finds nothing left.
    await log.untilLines(LINES - dropped);
    expect(await drainLog(log.logger, 5_000)).toBe(true);
    expect(log.seqs).toEqual([...new Set(log.seqs)].sort((a, b) => a - b));
    expect(log.seqs).toHaveLength(LINES - dropped);
  } finally {
    await log.close();
  }
});

test('stopping while the reader is stalled: the drain gives up after its timeout and drops the rest, so the process can exit; later lines are dropped, not thrown', async () => {
  const log = fifoLog(256 * 1024);
  try {
    await logInTurns(log.logger);
    expect(await drainLog(log.logger, 200)).toBe(false);
    expect(log.destination.destroyed).toBe(true);
    expect(() => log.logger.info({ event: 'late' }, 'after the drain gave up')).not.toThrow();
  } finally {
    await log.close();
  }
});
