import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { hostname, platform, type, release, arch } from 'node:os';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { Report, ReportHeader } from '@apollo/usage-reporting-protobuf';
import { calculateReferencedFieldsByType, type OperationDerivedData, usageReportingSignature } from '@apollo/utils.usagereporting';
import { type DocumentNode, type GraphQLError, type GraphQLSchema, printSchema } from 'graphql';
import type { Logger } from '../logger';
import { UsageStats } from './usage-stats';

const gzipAsync = promisify(gzip);

/** What a request answered outside Apollo's pipeline tells usage reporting. */
export interface ReportedOperation {
  readonly document: DocumentNode;
  /** The operation's own name (null: anonymous). */
  readonly name: string | null;
}

export interface UsageReporterOptions {
  key: string;
  graphRef: string;
  /** APOLLO_USAGE_REPORTING_URL; default Apollo's. */
  endpointUrl?: string;
  schema: GraphQLSchema;
  logger: Logger;
  /** Apollo's plugin's defaults: 10 s between reports, one sent early at 4 MiB. */
  reportIntervalMs?: number;
  maxUncompressedReportBytes?: number;
  /** The report header's agent; default `@apollo/server@<installed version>`, as Apollo's plugin names itself. */
  agentVersion?: string;
}

const DEFAULT_ENDPOINT = 'https://usage-reporting.api.apollographql.com';
const MAX_ATTEMPTS = 5;
const MIN_RETRY_DELAY_MS = 100;
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Apollo Studio usage reporting for requests that Apollo's pipeline did not run (the
 * prepared path). It sends what ApolloServerPluginUsageReporting sends for the same
 * requests, as that plugin sends it: a gzipped protobuf `Report` (same header: graph
 * ref, executable schema ID, host, agent) POSTed to `<endpoint>/api/ingress/traces`
 * with the API key, every 10 s and when the gateway stops, retried on 5xx and network
 * errors (5 attempts, from 100 ms doubling), failures logged and never thrown. Stats
 * are keyed as Apollo keys them (`# Name\n` + `usageReportingSignature`, fields from
 * `calculateReferencedFieldsByType`, client from the `apollographql-client-name` /
 * `-version` headers); see usage-stats.ts for what is counted.
 *
 * Apollo's plugin keeps reporting Apollo's own requests; Studio adds the two streams of
 * reports up as it does for several gateway instances.
 */
export class UsageReporter {
  private stats = new UsageStats();
  private readonly derived = new WeakMap<ReportedOperation, OperationDerivedData & { statsReportKey: string }>();
  private readonly header: ReportHeader;
  private readonly endpoint: string;
  private readonly timer: NodeJS.Timeout;
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly options: UsageReporterOptions) {
    this.header = new ReportHeader({
      hostname: hostname(),
      agentVersion: options.agentVersion ?? `@apollo/server@${apolloServerVersion()}`,
      runtimeVersion: `node ${process.version}`,
      // Apollo's plugin's exact format, closing parenthesis included.
      uname: `${platform()}, ${type()}, ${release()}, ${arch()})`,
      executableSchemaId: createHash('sha256').update(printSchema(options.schema)).digest('hex'),
      graphRef: options.graphRef,
    });
    this.endpoint = `${options.endpointUrl || DEFAULT_ENDPOINT}/api/ingress/traces`;
    this.timer = setInterval(() => this.send(), options.reportIntervalMs ?? 10_000);
    this.timer.unref();
  }

  /** Counts one finished request; `errors` are its execution errors as raised (before formatting). */
  record(operation: ReportedOperation, headers: Record<string, string | string[] | undefined>, durationNs: number, errors: ReadonlyArray<GraphQLError> | undefined): void {
    if (this.stopped) return;
    const derived = this.derivedData(operation);
    const clientName = header(headers['apollographql-client-name']);
    const clientVersion = header(headers['apollographql-client-version']);
    this.stats.add({
      statsReportKey: derived.statsReportKey,
      referencedFieldsByType: derived.referencedFieldsByType,
      clientName: clientName || '',
      clientVersion: clientVersion || '',
      durationNs,
      // Errors that came from a subgraph are not counted by Apollo's plugin either.
      errorPaths: (errors ?? []).filter((e) => !e.extensions?.serviceName).map((e) => e.path),
    });
    if (this.stats.estimatedBytes >= (this.options.maxUncompressedReportBytes ?? 4 * 1024 * 1024)) this.send();
  }

  /** Stops the timer and sends what is left (Apollo's plugin does the same on serverWillStop). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.send();
    await Promise.all(this.inFlight);
  }

  private derivedData(operation: ReportedOperation) {
    let derived = this.derived.get(operation);
    if (!derived) {
      const name = operation.name ?? '';
      const signature = usageReportingSignature(operation.document, name);
      derived = {
        signature,
        statsReportKey: `# ${name || '-'}\n${signature}`,
        referencedFieldsByType: calculateReferencedFieldsByType({ document: operation.document, schema: this.options.schema, resolvedOperationName: operation.name }),
      };
      this.derived.set(operation, derived);
    }
    return derived;
  }

  private send(): void {
    if (this.stats.isEmpty) return;
    const stats = this.stats;
    this.stats = new UsageStats();
    const sending = this.post(stats).catch((err: unknown) => {
      this.options.logger.error({ err, event: 'apollo_usage_report_failed' }, 'could not send a usage report to Apollo Studio');
    });
    this.inFlight.add(sending);
    void sending.finally(() => this.inFlight.delete(sending));
  }

  private async post(stats: UsageStats): Promise<void> {
    const report = {
      header: this.header,
      tracesPerQuery: stats.tracesPerQuery,
      operationCount: stats.operationCount,
      tracesPreAggregated: false,
      endTime: timestamp(new Date()),
    };
    const invalid = Report.verify(report);
    if (invalid) throw new Error(`Error verifying report: ${invalid}`);
    const body = await gzipAsync(Report.encode(report as never).finish());
    let lastError: unknown;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, MIN_RETRY_DELAY_MS * 2 ** (attempt - 1)));
      let response: Response;
      try {
        response = await fetch(this.endpoint, {
          method: 'POST',
          headers: { 'user-agent': 'ApolloServerPluginUsageReporting', 'x-api-key': this.options.key, 'content-encoding': 'gzip', accept: 'application/json' },
          body,
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
      } catch (error) {
        lastError = error;
        continue;
      }
      const text = await response.text();
      if (response.status >= 500) {
        lastError = new Error(`HTTP status ${response.status}, ${text || '(no body)'}`);
        continue;
      }
      if (response.status < 200 || response.status >= 300) throw new Error(`Error sending report to Apollo servers: HTTP status ${response.status}, ${text || '(no body)'}`);
      return;
    }
    throw new Error(`Error sending report to Apollo servers: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
  }
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function timestamp(date: Date): { seconds: number; nanos: number } {
  const ms = date.getTime();
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
}

/** The installed `@apollo/server`'s version (its package.json is not among its exports). */
function apolloServerVersion(): string {
  try {
    let dir = dirname(require.resolve('@apollo/server'));
    for (let i = 0; i < 4; i++, dir = dirname(dir)) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === '@apollo/server' && pkg.version) return pkg.version;
      } catch {
        // not this folder
      }
    }
  } catch {
    // not resolvable: unknown
  }
  return 'unknown';
}
