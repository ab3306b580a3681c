import { GraphQLError, type GraphQLFormattedError } from 'graphql';

export type FormatError = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

/**
 * Execution errors formatted as Apollo Server 5 formats them before `formatError`
 * (its normalizeAndFormatErrors, which it does not export): a GraphQLError's JSON form,
 * `extensions.code` defaulting to INTERNAL_SERVER_ERROR, `extensions.http` taken out
 * (its status and headers returned), the stack trace only when asked for; then our formatError,
 * and Apollo's masked fallback if that throws. The differential test
 * (test/integration/prepared-operations.test.ts) holds the two paths to the same bytes.
 */
export function formatExecutionErrors(
  errors: ReadonlyArray<GraphQLError>,
  options: { formatError: FormatError; includeStacktrace: boolean },
): { errors: GraphQLFormattedError[]; status: number | undefined; headers: Array<[string, string]> } {
  let status: number | undefined;
  const headers: Array<[string, string]> = [];
  const enrich = (error: unknown): GraphQLFormattedError => {
    const graphqlError = error instanceof GraphQLError ? error : new GraphQLError(error instanceof Error ? error.message : `Unexpected error value: ${String(error)}`, { originalError: error instanceof Error ? error : undefined });
    // graphql-jit's errors may lack `extensions` altogether.
    const own: Record<string, unknown> = graphqlError.extensions ?? {};
    const extensions: Record<string, unknown> = { ...own, code: own.code ?? 'INTERNAL_SERVER_ERROR' };
    const http = extensions.http as { status?: unknown; headers?: unknown } | undefined;
    if (http && typeof http === 'object') {
      if (typeof http.status === 'number') status = http.status;
      if (http.headers instanceof Map) for (const [name, value] of http.headers) headers.push([String(name), String(value)]);
      delete extensions.http;
    }
    if (options.includeStacktrace) extensions.stacktrace = graphqlError.stack?.split('\n');
    return { ...graphqlError.toJSON(), extensions };
  };
  const formatted = errors.map((error) => {
    try {
      return options.formatError(enrich(error), error);
    } catch (formattingError) {
      return options.includeStacktrace ? enrich(formattingError) : { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    }
  });
  return { errors: formatted, status, headers };
}
