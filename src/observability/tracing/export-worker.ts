import { parentPort, workerData } from 'node:worker_threads';
import type { TracingConfig } from '../../config/tracing-config';
import { exportPipeline } from './export-pipeline';
import { finishedSpans } from './finished-spans';
import { TraceDecoder } from './trace-codec';
import type { FromWorker, ToWorker } from './worker-messages';

// The export worker (started by span-export.ts): turns the gateway's recorded traces
// into the SDK's finished spans and exports them, off the thread that answers requests.
const port = parentPort!;
const post = (message: FromWorker) => port.postMessage(message);
const decoder = new TraceDecoder();
// Spans the export queue refuses while a message is taken are told in one message
// after it, not one per span (the gateway's thread reads these).
let taking = false;
let refused = 0;
const pipeline = exportPipeline(
  (workerData as { config: TracingConfig }).config,
  (count, reason, cause) => {
    if (taking && reason === 'queue_full') refused += count;
    else post({ type: 'dropped', count, reason, ...(cause === undefined ? {} : { cause }) });
  },
  (spans) => post({ type: 'exported', spans }),
);

port.on('message', (message: ToWorker) => {
  if (message.type === 'traces') {
    let spans = 0;
    taking = true;
    try {
      for (const trace of decoder.decode(message.traces)) {
        for (const span of finishedSpans(trace, pipeline.origin)) pipeline.export(span);
        spans += trace.spans.length;
      }
    } finally {
      taking = false;
    }
    if (refused > 0) post({ type: 'dropped', count: refused, reason: 'queue_full' });
    refused = 0;
    post({ type: 'taken', spans });
    return;
  }
  // A failed last export is already counted (BoundedExport): shutdown ends either way.
  void pipeline
    .shutdown()
    .catch(() => undefined)
    .then(() => {
      post({ type: 'closed' });
      port.close();
    });
});
