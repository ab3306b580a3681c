import { type Attributes, type AttributeValue, SpanKind } from '@opentelemetry/api';
import type { RemoteParent, SpanWire, TraceWire } from './trace-wire';

/**
 * One sampled request's spans, recorded on the request path as plain data: names,
 * kinds, times, attributes, outcome and parentage. Nothing here talks to the SDK: when
 * the root ends, the whole trace is handed to `finished` (the export worker, see
 * span-export.ts), where it becomes the SDK's finished spans and is exported. The
 * root is the first span; every span has exactly one parent, earlier in the list.
 */
export class TraceRecord {
  readonly spans: RecordedSpan[] = [];
  /** The wall clock when the trace started; span times add the monotonic time since (as the SDK's spans do). */
  private readonly wallStart = Date.now();
  private readonly monotonicStart = performance.now();
  readonly root: RecordedSpan;
  /** Set when the root ends: the trace is handed on, and spans opened later are not part of it. */
  sealed = false;

  constructor(
    readonly traceId: string,
    readonly remoteParent: RemoteParent | undefined,
    name: string,
    private readonly finished: (trace: TraceRecord) => void,
    /** The root's attributes at its start, kept as given. */
    attributes?: Attributes,
  ) {
    this.root = new RecordedSpan(this, -1, name, SpanKind.SERVER, attributes);
  }

  /** Now, in wall-clock milliseconds since the epoch, with sub-millisecond precision. */
  now(): number {
    return this.wallStart + (performance.now() - this.monotonicStart);
  }

  /**
   * Called by the root's `end()`: the trace, as it is, goes to `finished` (which packs
   * it at once). Children still open are exported as they are then, ending now; a span
   * opened under it later (a load shared with a request that already answered) is
   * recorded nowhere.
   */
  rootEnded(): void {
    this.sealed = true;
    try {
      this.finished(this);
    } catch {
      // Handing a trace on never fails the request it traced (SpanExport.add does not throw).
    }
  }

  toWire(): TraceWire {
    const wire: TraceWire = { traceId: this.traceId, spans: this.spans.map((s) => s.toWire()) };
    if (this.remoteParent) wire.remoteParent = this.remoteParent;
    return wire;
  }
}

/**
 * A span of a TraceRecord: the part of OpenTelemetry's Span API this gateway uses
 * (attributes, name, failure, end), and `child` to open a span under it. Ending twice
 * keeps the first end; changes after the end are ignored, as the SDK does.
 */
export class RecordedSpan {
  private readonly index: number;
  private readonly start: number;
  private endTime = 0;
  /** Attributes set after the start, as key, value, key, value... (no object reshaped per key). */
  private more: Array<string | AttributeValue> | undefined;
  private error: SpanWire['error'];
  private failed = false;

  constructor(
    private readonly trace: TraceRecord,
    private readonly parent: number,
    private name: string,
    private readonly kind: SpanKind,
    /** The attributes at the start, kept as given. */
    private readonly attributes: Attributes | undefined,
  ) {
    this.start = trace.now();
    this.index = trace.sealed ? -1 : trace.spans.push(this) - 1;
  }

  /** A span under this one, started now; it keeps `attributes` as given and never changes them (they may be shared). */
  child(name: string, kind: SpanKind, attributes?: Attributes): RecordedSpan {
    return new RecordedSpan(this.trace, this.index, name, kind, attributes);
  }

  setAttribute(key: string, value: AttributeValue): void {
    if (!this.endTime) (this.more ??= []).push(key, value);
  }

  setAttributes(attributes: Attributes): void {
    if (this.endTime) return;
    const more = (this.more ??= []);
    for (const key in attributes) {
      const value = attributes[key];
      if (value !== undefined) more.push(key, value);
    }
  }

  updateName(name: string): void {
    if (!this.endTime) this.name = name;
  }

  /** Marks the span as failed (status ERROR); with an error, also records it as the span's exception event. */
  fail(error?: unknown): void {
    if (this.endTime) return;
    this.failed = true;
    if (error === undefined) return;
    this.error = error instanceof Error ? describeError(error) : { name: 'Error', message: String(error) };
  }

  end(): void {
    if (this.endTime) return;
    this.endTime = this.trace.now();
    if (this.index === 0) this.trace.rootEnded();
  }

  toWire(): SpanWire {
    const wire: SpanWire = { name: this.name, kind: this.kind, parent: this.parent, start: this.start, end: this.endTime || this.trace.now() };
    if (this.attributes) wire.attributes = this.attributes;
    if (this.more) wire.more = this.more;
    if (this.failed) wire.failed = true;
    if (this.error) wire.error = this.error;
    return wire;
  }
}

/** An error as the exception event records it; `code` (a Prisma or system error code) becomes its type, as the SDK does. */
function describeError(error: Error): NonNullable<SpanWire['error']> {
  const code = (error as { code?: unknown }).code;
  return { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}), ...(typeof code === 'string' || typeof code === 'number' ? { code: String(code) } : {}) };
}
