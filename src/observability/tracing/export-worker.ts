import { parentPort, workerData } from 'node:worker_threads';
import type { TracingConfig } from '../../config/tracing-config';
import { exportPipeline } from './export-pipeline';
import { replayTrace } from './replay';
import { TraceDecoder } from './trace-codec';
import type { FromWorker, ToWorker } from './worker-messages';

// The export worker (started by span-export.ts): turns the gateway's recorded traces
// into SDK spans and exports them, off the thread that answers requests.
const port = parentPort!;
const post = (message: FromWorker) => port.postMessage(message);
const decoder = new TraceDecoder();
// Spans the export queue refuses while a message is replayed are told in one message
// after it, not one per span (the gateway's thread reads these).
let replaying = false;
let refused = 0;
const pipeline = exportPipeline(
  (workerData as { config: TracingConfig }).config,
  (count, reason) => {
    if (replaying && reason === 'queue_full') refused += count;
    else post({ type: 'dropped', count, reason });
  },
  (spans) => post({ type: 'exported', spans }),
);

port.on('message', (message: ToWorker) => {
  if (message.type === 'traces') {
    let spans = 0;
    replaying = true;
    try {
      for (const trace of decoder.decode(message.traces)) {
        replayTrace(pipeline.tracer, pipeline.ids, trace);
        spans += trace.spans.length;
      }
    } finally {
      replaying = false;
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
