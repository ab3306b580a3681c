import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { type IContextualizedStats, Report, Trace } from '@apollo/usage-reporting-protobuf';

/** One POST the receiver got. */
export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A local endpoint standing in for Apollo's usage ingress: it keeps what it is sent and answers 204. */
export interface UsageReceiver {
  readonly url: string;
  readonly received: ReceivedRequest[];
  /** The usage reports received so far, gunzipped and decoded with Apollo's schema. */
  reports(): Report[];
  close(): Promise<void>;
}

export async function startUsageReceiver(): Promise<UsageReceiver> {
  const received: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    reports: () => received.filter((r) => r.path === '/api/ingress/traces').map((r) => Report.decode(gunzipSync(r.body))),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Per operation (stats report key) and client (`name/version`): what Studio would count. */
export interface UsageTotals {
  [statsReportKey: string]: { [client: string]: { requests: number; withErrors: number; timed: number; withoutFieldInstrumentation: number } };
}

/**
 * Adds up reports as Studio does: requests counted in stats (`statsWithContext`) and
 * requests sent as traces (`trace`) alike, by operation and client. `timed` counts the
 * requests that carry a duration (a latency histogram entry, or a trace's durationNs).
 */
export function usageTotals(reports: Report[]): UsageTotals {
  const totals: UsageTotals = {};
  const entry = (key: string, client: string) => ((totals[key] ??= {})[client] ??= { requests: 0, withErrors: 0, timed: 0, withoutFieldInstrumentation: 0 });
  for (const report of reports) {
    for (const [key, perQuery] of Object.entries(report.tracesPerQuery ?? {})) {
      for (const stats of (perQuery.statsWithContext ?? []) as IContextualizedStats[]) {
        const q = stats.queryLatencyStats!;
        const e = entry(key, `${stats.context?.clientName ?? ''}/${stats.context?.clientVersion ?? ''}`);
        e.requests += Number(q.requestCount ?? 0);
        e.withErrors += Number(q.requestsWithErrorsCount ?? 0);
        e.withoutFieldInstrumentation += Number(q.requestsWithoutFieldInstrumentation ?? 0);
        e.timed += histogramCount(((q.latencyCount ?? []) as number[]).map(Number));
      }
      for (const t of perQuery.trace ?? []) {
        const trace = t instanceof Uint8Array ? Trace.decode(t) : (t as Trace);
        const e = entry(key, `${trace.clientName ?? ''}/${trace.clientVersion ?? ''}`);
        e.requests += 1;
        if (hasError(trace.root)) e.withErrors += 1;
        if (Number(trace.durationNs) > 0) e.timed += 1;
      }
    }
  }
  return totals;
}

/** The number of durations in an encoded DurationHistogram (negative entries are runs of empty buckets). */
export function histogramCount(encoded: number[]): number {
  return encoded.reduce((sum, value) => sum + (value > 0 ? value : 0), 0);
}

function hasError(node: Trace.INode | null | undefined): boolean {
  if (!node) return false;
  return (node.error?.length ?? 0) > 0 || (node.child ?? []).some(hasError);
}
