import type { ReferencedFieldsByType } from '@apollo/utils.usagereporting';
import { DurationHistogram } from './duration-histogram';

/** One request as usage reporting counts it. */
export interface ReportedRequest {
  /** `# OperationName\n` (or `# -\n`) and the operation's usage reporting signature. */
  readonly statsReportKey: string;
  readonly referencedFieldsByType: ReferencedFieldsByType;
  /** From the `apollographql-client-name` / `-version` headers; '' when absent. */
  readonly clientName: string;
  readonly clientVersion: string;
  readonly durationNs: number;
  /** The response path of each execution error (undefined: an error of the whole request). */
  readonly errorPaths: ReadonlyArray<ReadonlyArray<string | number> | undefined>;
}

/**
 * The body of one usage `Report` (`@apollo/usage-reporting-protobuf`) as Apollo's usage
 * reporting plugin aggregates it for a request without field-level instrumentation:
 * `tracesPerQuery[statsReportKey].statsWithContext[client]` counts requests, latencies
 * (DurationHistogram), requests with errors and errors by response path; `operationCount`
 * counts operations. No field stats (`perTypeStat`) and no traces: the prepared path
 * does not time fields, just as Apollo's plugin with `fieldLevelInstrumentation` 0.
 * The shapes are plain objects whose own properties the protobuf encoder reads.
 */
export class UsageStats {
  operationCount = 0;
  /** Roughly the encoded size, as Apollo's plugin estimates it (it sends a report early at 4 MiB). */
  estimatedBytes = 0;
  readonly tracesPerQuery: Record<string, TracesAndStats> = Object.create(null);

  add(request: ReportedRequest): void {
    this.operationCount++;
    let perQuery = this.tracesPerQuery[request.statsReportKey];
    if (!perQuery) {
      this.estimatedBytes += stringBytes(request.statsReportKey);
      for (const [type, fields] of Object.entries(request.referencedFieldsByType)) {
        this.estimatedBytes += 4 + stringBytes(type) + fields.fieldNames.reduce((sum, name) => sum + stringBytes(name), 0);
      }
      perQuery = this.tracesPerQuery[request.statsReportKey] = {
        trace: [],
        statsWithContext: new StatsByContext(),
        referencedFieldsByType: request.referencedFieldsByType,
        internalTracesContributingToStats: [],
      };
    }
    const stats = perQuery.statsWithContext.get(request.clientName, request.clientVersion, (bytes) => (this.estimatedBytes += bytes)).queryLatencyStats;
    stats.requestCount++;
    stats.requestsWithoutFieldInstrumentation++;
    stats.latencyCount.incrementDuration(request.durationNs);
    if (request.errorPaths.length === 0) return;
    // As Apollo's trace tree: every error at its response path (the root without one);
    // each path's requestsWithErrorsCount counts this request once.
    const touched = new Set<PathErrorStats>();
    for (const path of request.errorPaths) {
      let node = stats.rootErrorStats;
      for (const key of path ?? []) {
        const name = String(key);
        let child = node.children[name];
        if (!child) {
          node.children[name] = child = newPathErrorStats();
          this.estimatedBytes += stringBytes(name) + 4;
        }
        node = child;
      }
      node.errorsCount++;
      touched.add(node);
    }
    for (const node of touched) node.requestsWithErrorsCount++;
    stats.requestsWithErrorsCount++;
  }

  get isEmpty(): boolean {
    return this.operationCount === 0;
  }
}

interface TracesAndStats {
  trace: Uint8Array[];
  statsWithContext: StatsByContext;
  referencedFieldsByType: ReferencedFieldsByType;
  internalTracesContributingToStats: Uint8Array[];
}

interface PathErrorStats {
  children: Record<string, PathErrorStats>;
  errorsCount: number;
  requestsWithErrorsCount: number;
}

const newPathErrorStats = (): PathErrorStats => ({ children: Object.create(null), errorsCount: 0, requestsWithErrorsCount: 0 });

class QueryLatencyStats {
  latencyCount = new DurationHistogram();
  requestCount = 0;
  requestsWithoutFieldInstrumentation = 0;
  cacheHits = 0;
  persistedQueryHits = 0;
  persistedQueryMisses = 0;
  cacheLatencyCount = new DurationHistogram();
  rootErrorStats = newPathErrorStats();
  requestsWithErrorsCount = 0;
  publicCacheTtlCount = new DurationHistogram();
  privateCacheTtlCount = new DurationHistogram();
  registeredOperationCount = 0;
  forbiddenOperationCount = 0;
}

class ContextualizedStats {
  readonly queryLatencyStats = new QueryLatencyStats();
  readonly perTypeStat = Object.create(null) as Record<string, never>;
  constructor(readonly context: { clientName: string; clientVersion: string }) {}
}

/** Stats per client; `toArray` is what the protobuf encoder calls. */
class StatsByContext {
  private readonly byClient = new Map<string, ContextualizedStats>();

  get(clientName: string, clientVersion: string, grew: (bytes: number) => void): ContextualizedStats {
    const key = `${clientName}\u0000${clientVersion}`;
    let stats = this.byClient.get(key);
    if (!stats) {
      this.byClient.set(key, (stats = new ContextualizedStats({ clientName, clientVersion })));
      grew(20 + stringBytes(clientName) + stringBytes(clientVersion));
    }
    return stats;
  }

  toArray(): ContextualizedStats[] {
    return [...this.byClient.values()];
  }
}

const stringBytes = (s: string): number => 2 + Buffer.byteLength(s);
