import type { IncomingHttpHeaders } from 'node:http';
import type { GraphQLError, GraphQLFormattedError } from 'graphql';
import Negotiator from 'negotiator';
import type { GraphQLContext } from '../context';
import { authzExtension } from '../plugins/authz-extensions';
import { statusForErrors } from '../plugins/http-status';
import { describeOutcome } from '../plugins/request-outcome';
import { type FormatError, formatExecutionErrors } from './apollo-error-format';
import type { OperationCache, PreparedOperation } from './operation-cache';
import { type GatewayPlugin, type ReproducedPlugins, reproducePlugins } from './reproduced-plugins';

/** A complete HTTP answer to a GraphQL POST. */
export interface PreparedResponse {
  readonly status: number;
  readonly contentType: string;
  /** Headers errors asked for (`extensions.http.headers`, as Apollo merges them). */
  readonly headers: ReadonlyArray<[string, string]>;
  readonly body: string;
  /**
   * Writes the request's log line and metrics. Called once the answer is written, so
   * they are off the caller's latency.
   */
  finish(): void;
}

export interface PreparedPathOptions {
  operations: OperationCache;
  /** Apollo's formatError (the same function instance). */
  formatError: FormatError;
  includeStacktrace: boolean;
  /** Apollo's plugin list, the same entries Apollo was given (src/graphql/plugin-list/apollo-plugins.ts). */
  plugins: readonly GatewayPlugin[];
  /** Apollo Studio usage reporting of the requests answered here (observability/studio/): exactly when Apollo reports usage. */
  usage?: PreparedUsageReporting;
}

/** Counts a request answered here as Apollo's usage reporting plugin would have counted it. */
export interface PreparedUsageReporting {
  record(operation: PreparedOperation, headers: IncomingHttpHeaders, durationNs: number, errors: ReadonlyArray<GraphQLError> | undefined): void;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const GRAPHQL_RESPONSE_TYPE = 'application/graphql-response+json; charset=utf-8';
const CALLBACK_TYPE = 'application/json; callbackSpec=1.0; charset=utf-8';

/**
 * The hot path for repeated queries (`can`, `checks`, `permissions` from BFFs): a POST
 * whose query text is prepared (operation-cache.ts) runs its compiled form against the
 * same context, resolvers, error formatting, response extensions, status codes, log
 * line and metrics as Apollo's plugins give, without Apollo's per-request pipeline
 * (hashing, document store, plugin dispatch, HeaderMaps, content negotiation), which
 * cost more than the authorization itself (docs/benchmarks.md).
 *
 * `run` answers null whenever Apollo must answer instead, always before any resolver
 * ran: a body Apollo would reject or treat specially (`extensions`, such as persisted
 * queries), an `accept` header Apollo would negotiate differently, a failed
 * authentication, a text not prepared, or variables that do not coerce. Apollo then
 * reports it exactly as before (the context is built once per request, see
 * http/server.ts). Authentication comes before the operation cache, as in Apollo: an
 * unauthenticated caller can make the gateway neither parse nor compile anything.
 *
 * Apollo's plugins do not run here. The path is built from the same plugin list as
 * Apollo (src/graphql/plugin-list/apollo-plugins.ts) and gives each plugin's effect its own way
 * (reproduced-plugins.ts: the gateway's log line, metrics, extensions and status codes
 * through the same functions, graphql-armor's message masking by its own hook, Apollo
 * Studio usage reporting by `usage`, without field-level timings); `create` refuses to
 * start on a plugin it cannot reproduce.
 */
export class PreparedPath {
  private readonly mediaTypes = new Map<string, string | null>();

  private constructor(
    private readonly options: Omit<PreparedPathOptions, 'plugins'>,
    private readonly plugins: ReproducedPlugins,
  ) {}

  /** Throws UnreproducedPluginError (naming the plugin) when Apollo runs a plugin this path does not reproduce. */
  static async create(options: PreparedPathOptions): Promise<PreparedPath> {
    const { plugins, ...rest } = options;
    return new PreparedPath(rest, await reproducePlugins(plugins, options.usage !== undefined));
  }

  /** `requestHeaders`: for usage reporting's client name and version. */
  async run(body: unknown, accept: string | undefined, context: () => Promise<GraphQLContext>, requestHeaders: IncomingHttpHeaders = {}): Promise<PreparedResponse | null> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
    const { query, variables, operationName, extensions } = body as Record<string, unknown>;
    if (typeof query !== 'string' || extensions !== undefined) return null;
    if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) return null;
    if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return null;
    const contentType = this.mediaType(accept);
    if (!contentType) return null;

    let contextValue: GraphQLContext;
    try {
      contextValue = await context();
    } catch {
      return null;
    }
    const operation = this.options.operations.get(query, operationName ?? null);
    if (!operation) return null;
    const started = performance.now();
    const result = await operation.compiled.query(undefined, contextValue, (variables ?? {}) as Record<string, unknown>);
    // No data: the variables did not coerce, and no resolver ran.
    if (result.data === undefined) return null;

    const plugins = this.plugins;
    let status = 200;
    let errors: GraphQLFormattedError[] | undefined;
    let headers: Array<[string, string]> = [];
    let resultErrors = result.errors;
    if (resultErrors?.length) {
      if (plugins.encounterErrors) resultErrors = await plugins.encounterErrors(resultErrors, contextValue);
      const formatted = formatExecutionErrors(resultErrors, this.options);
      const stamped = plugins.httpStatus ? statusForErrors(formatted.errors, contextValue.traceId) : { errors: formatted.errors, status: undefined };
      errors = stamped.errors;
      status = stamped.status ?? formatted.status ?? 200;
      headers = formatted.headers;
    }
    const authz = plugins.authzExtension ? authzExtension(contextValue) : undefined;
    const text = `${JSON.stringify({ errors, data: result.data, extensions: authz ? { authz } : undefined })}\n`;
    const durationMs = performance.now() - started;
    const usage = plugins.usage ? this.options.usage : undefined;
    const finish = () => {
      if (plugins.finished.length > 0) {
        const outcome = describeOutcome(operation, errors ?? []);
        for (const finished of plugins.finished) finished(contextValue, outcome, durationMs, 'prepared');
      }
      usage?.record(operation, requestHeaders, durationMs * 1e6, resultErrors);
    };
    return { status, contentType, headers, body: text, finish };
  }

  /**
   * The content type Apollo would choose for this `accept` header (the same
   * negotiation, remembered per header value); null for what Apollo answers itself
   * (the subscription-callback type, or nothing acceptable: a 406).
   */
  private mediaType(accept: string | undefined): string | null {
    if (!accept) return JSON_TYPE;
    let type = this.mediaTypes.get(accept);
    if (type === undefined) {
      const preferred = new Negotiator({ headers: { accept } }).mediaType([JSON_TYPE, GRAPHQL_RESPONSE_TYPE, CALLBACK_TYPE]);
      type = preferred === JSON_TYPE || preferred === GRAPHQL_RESPONSE_TYPE ? preferred : null;
      if (this.mediaTypes.size >= 100) this.mediaTypes.clear();
      this.mediaTypes.set(accept, type);
    }
    return type;
  }
}
