import type { EncodedTraces } from './trace-codec';

/** Messages from the gateway to its export worker. */
export type ToWorker = { type: 'traces'; traces: EncodedTraces } | { type: 'shutdown' };

/**
 * Messages from the export worker: spans that never reached the collector, spans taken
 * (made finished spans) and exported, and the end of shutdown.
 */
export type FromWorker =
  | { type: 'dropped'; count: number; reason: 'queue_full' | 'export_failed'; cause?: string }
  | { type: 'taken'; spans: number }
  | { type: 'exported'; spans: number }
  | { type: 'closed' };
