import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A span as the receiver decoded it (IDs in hex). */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** JSON only: attributes by key (the protobuf decoding here reads IDs and names only). */
  attributes: Record<string, unknown>;
}

/** A local OTLP/HTTP traces endpoint (`POST /v1/traces`) accepting protobuf and JSON. */
export interface OtlpReceiver {
  /** For OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly url: string;
  readonly spans: ReceivedSpan[];
  /** Content types of the export requests received. */
  readonly contentTypes: string[];
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const contentTypes: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const type = req.headers['content-type'] ?? '';
      contentTypes.push(type);
      if (req.url !== '/v1/traces') return void res.writeHead(404).end();
      if (type.startsWith('application/json')) {
        spans.push(...fromJson(JSON.parse(body.toString('utf8'))));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } else {
        spans.push(...fromProtobuf(body));
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    contentTypes,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

interface JsonAnyValue { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number; arrayValue?: { values?: JsonAnyValue[] } }

function value(v: JsonAnyValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(value);
  return undefined;
}

function fromJson(request: any): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of request.resourceSpans ?? []) {
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId ?? '',
          name: s.name,
          attributes: Object.fromEntries((s.attributes ?? []).map((a: { key: string; value: JsonAnyValue }) => [a.key, value(a.value)])),
        });
      }
    }
  }
  return out;
}

/** Protobuf wire format, just enough of ExportTraceServiceRequest: resource_spans(1) > scope_spans(2) > spans(2) > ids and name. */
function fromProtobuf(buffer: Buffer): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const resourceSpans of fields(buffer, 1)) {
    for (const scopeSpans of fields(resourceSpans, 2)) {
      for (const span of fields(scopeSpans, 2)) {
        out.push({
          traceId: fields(span, 1)[0]?.toString('hex') ?? '',
          spanId: fields(span, 2)[0]?.toString('hex') ?? '',
          parentSpanId: fields(span, 4)[0]?.toString('hex') ?? '',
          name: fields(span, 5)[0]?.toString('utf8') ?? '',
          attributes: {},
        });
      }
    }
  }
  return out;
}

/** The length-delimited fields numbered `wanted` in one message. */
function fields(buffer: Buffer, wanted: number): Buffer[] {
  const found: Buffer[] = [];
  let at = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = buffer[at++]!;
      result += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return result;
      shift += 7;
    }
  };
  while (at < buffer.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    switch (key & 7) {
      case 0: varint(); break;
      case 1: at += 8; break;
      case 5: at += 4; break;
      case 2: {
        const length = varint();
        if (field === wanted) found.push(buffer.subarray(at, at + length));
        at += length;
        break;
      }
      default: throw new Error(`unexpected wire type ${key & 7}`);
    }
  }
  return found;
}
