import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, mkdtempSync, openSync, constants as fsConstants, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { bufferedDestination, createLogger } from '../../../src/observability/logger';

/**
 * A log reader that stops reading (a stalled log shipper), made for real: a FIFO whose
 * only reader is an fd nobody reads, so the kernel's pipe buffer fills and writes block,
 * as they would on stdout. The gateway must neither stall nor grow without bound.
 * stderr is captured with a spy (the report is the thing under test).
 */
test('a log reader that stops reading: lines beyond the pending bound are dropped and counted, stderr says so once, the rest arrive intact and in order', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'authz-log-'));
  const fifo = join(dir, 'log');
  execFileSync('mkfifo', [fifo]);
  const fd = openSync(fifo, fsConstants.O_RDWR); // both ends: opening never blocks, and nobody reads yet
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const registry = new Registry();
    const destination = bufferedDestination(fd, { maxPendingBytes: 256 * 1024, registry });
    const logger = createLogger('info', destination);
    const padding = 'x'.repeat(1000);
    const written = 1000; // ~1 MB: far beyond the pipe's 64 KB plus the 256 KB bound
    for (let seq = 0; seq < written; seq++) logger.info({ event: 'test_line', seq, padding }, 'line');

    const dropped = (await registry.getSingleMetric('authz_log_lines_dropped_total')!.get()).values[0]!.value;
    expect(dropped).toBeGreaterThan(0);
    expect(dropped).toBeLessThan(written);
    const reports = stderr.mock.calls.map(([text]) => String(text)).filter((text) => text.includes('dropping log lines'));
    expect(reports).toHaveLength(1);

    // The reader catches up: every kept line arrives, whole, in order, and none after a gap.
    const seqs: number[] = [];
    let rest = '';
    const reader = createReadStream(fifo);
    for await (const chunk of reader) {
      const lines = (rest + String(chunk)).split('\n');
      rest = lines.pop()!;
      for (const line of lines) seqs.push((JSON.parse(line) as { seq: number }).seq);
      if (seqs.length >= written - dropped) break;
    }
    reader.destroy();
    destination.end(); // closes the fd once what is pending is written
    await once(destination, 'close');
    expect(seqs).toEqual(Array.from({ length: written - dropped }, (_, i) => i));
  } finally {
    stderr.mockRestore();
    rmSync(dir, { recursive: true, force: true });
  }
});
