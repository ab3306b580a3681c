import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { TracingConfig } from '../../config/tracing-config';
import type { OnDropped } from './bounded-export';
import { MAX_QUEUE_SIZE } from './export-pipeline';
import type { TraceRecord } from './recorded-span';
import { TraceEncoder } from './trace-codec';
import type { FromWorker, ToWorker } from './worker-messages';

/** Finished traces are sent to the worker in messages of at most this many, or after this long. */
const TRACES_PER_MESSAGE = 128;
const SEND_AFTER_MS = 100;
/** Spans on their way to the worker (recorded, or sent and not yet taken): beyond it, dropped and counted. */
export const MAX_IN_TRANSIT = MAX_QUEUE_SIZE;
/**
 * How long shutdown waits for the worker's last export before stopping it (what it
 * still holds is then counted as export_failed): within the process's 10 s to stop
 * (main.ts), tracing being stopped last.
 */
const SHUTDOWN_WAIT_MS = 7_000;

/**
 * Ships finished traces to the export worker (export-worker.ts), where they become the
 * SDK's finished spans and its exporter sends them: the request thread only records
 * plain data and, every 128 traces or 100 ms, posts one message. Never blocks and
 * never throws at a request: past MAX_IN_TRANSIT spans, or once the worker has failed,
 * traces are dropped and counted (`queue_full`, `export_failed`), as the worker counts
 * its own drops.
 */
export class SpanExport {
  private readonly worker: Worker;
  private readonly encoder = new TraceEncoder();
  /** Traces packed and not sent yet. */
  private waitingTraces = 0;
  private waitingSpans = 0;
  /** Sent and not yet taken by the worker (the in-transit bound). */
  private sentSpans = 0;
  /** Sent and neither exported nor dropped yet (what a stopped worker loses). */
  private unsettled = 0;
  private timer: NodeJS.Timeout | undefined;
  private failed = false;
  private closing: Promise<void> | undefined;
  /** Resolved once the worker has exited and what it held is counted. */
  private readonly exited: Promise<void>;

  constructor(
    config: TracingConfig,
    private readonly onDropped: OnDropped,
    private readonly onError: (error: Error) => void,
    /** Told how many spans the collector took, batch by batch. */
    private readonly onExported: (count: number) => void = () => undefined,
  ) {
    // Built, the worker is JavaScript; run from the sources (tests, `npm run dev`), TypeScript through tsx.
    const file = path.join(__dirname, `export-worker${path.extname(__filename)}`);
    this.worker = new Worker(file, { workerData: { config }, execArgv: file.endsWith('.ts') ? ['--require', require.resolve('tsx/cjs')] : [] });
    this.worker.unref();
    this.worker.on('message', (message: FromWorker) => {
      if (message.type === 'dropped') {
        this.unsettled -= message.count;
        this.onDropped(message.count, message.reason, message.cause);
      } else if (message.type === 'exported') {
        this.unsettled -= message.spans;
        this.onExported(message.spans);
      }
      else if (message.type === 'taken') this.sentSpans -= message.spans;
    });
    // A failed worker takes nothing more; what it held is counted once it has exited,
    // when every message it sent has been delivered (so nothing is counted twice).
    this.worker.on('error', (error) => this.fail(error));
    this.exited = new Promise((resolve) =>
      this.worker.on('exit', (code) => {
        if (!this.closing) this.fail(new Error(`the span export worker exited (code ${code})`));
        this.loseUnsettled();
        resolve();
      }),
    );
  }

  /** Queues a finished trace for export. */
  add(trace: TraceRecord): void {
    const spans = trace.spans.length;
    if (this.failed || this.closing) return this.onDropped(spans, 'export_failed');
    if (this.sentSpans + this.waitingSpans + spans > MAX_IN_TRANSIT) return this.onDropped(spans, 'queue_full');
    this.encoder.add(trace.toWire());
    this.waitingSpans += spans;
    if (++this.waitingTraces >= TRACES_PER_MESSAGE) this.send();
    else this.timer ??= setTimeout(() => this.send(), SEND_AFTER_MS).unref();
  }

  /** Sends what is waiting, has the worker export everything it holds, and stops it (bounded). */
  shutdown(): Promise<void> {
    this.closing ??= (async () => {
      this.send();
      if (this.failed) return this.exited;
      const closed = new Promise<void>((resolve) => {
        const done = () => resolve();
        this.worker.on('message', (message: FromWorker) => message.type === 'closed' && done());
        this.worker.once('exit', done);
        setTimeout(done, SHUTDOWN_WAIT_MS).unref();
      });
      this.post({ type: 'shutdown' });
      await closed;
      // Whatever the worker still holds when stopped never reaches the collector: counted on exit.
      await this.worker.terminate();
      await this.exited;
    })();
    return this.closing;
  }

  /** Posts what is waiting. A packed message is delivered or the worker abandoned (fail), never skipped: the decoder numbers strings in message order. */
  private send(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const traces = this.encoder.take();
    const spans = this.waitingSpans;
    this.waitingTraces = 0;
    this.waitingSpans = 0;
    if (!traces) return;
    if (this.failed) return this.onDropped(spans, 'export_failed');
    this.sentSpans += spans;
    this.unsettled += spans;
    this.post({ type: 'traces', traces }, [traces.numbers.buffer]);
  }

  private post(message: ToWorker, transfer: ArrayBuffer[] = []): void {
    try {
      this.worker.postMessage(message, transfer);
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** The worker failed: what is waiting is lost and counted, and it is stopped (what it held is counted on exit). */
  private fail(error: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.onError(error);
    const waiting = this.waitingSpans;
    this.encoder.take();
    this.waitingTraces = 0;
    this.waitingSpans = 0;
    if (waiting > 0) this.onDropped(waiting, 'export_failed');
    void this.worker.terminate();
  }

  /** Counts what the stopped worker held as export_failed (once: it is zero afterwards). */
  private loseUnsettled(): void {
    const lost = this.unsettled;
    this.unsettled = 0;
    this.sentSpans = 0;
    if (lost > 0) this.onDropped(lost, 'export_failed');
  }
}
