import type { TypedDocumentString } from '../gql/graphql';
import { describeError } from '../lib/errors';

/** `extensions.authz` of a response that resolved a decision (see schema/schema.graphql). */
export interface AuthzExtension {
  cache: { l1Hits: number; l2Hits: number; misses: number; degraded: number };
  traceId: string;
  consistency?: string;
}

/** A failed request: the first GraphQL error's `extensions.code` and message, or a transport failure. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    readonly detail: string,
  ) {
    super(describeError(code, detail));
    this.name = 'ApiError';
  }
}

export interface ApiResult<T> {
  data: T;
  authz: AuthzExtension | null;
}

export interface Client {
  /** POSTs a typed document to the gateway's own /graphql; rejects with ApiError. */
  request<TResult, TVariables>(document: TypedDocumentString<TResult, TVariables>, variables: TVariables): Promise<ApiResult<TResult>>;
}

export interface ClientOptions {
  /** The pasted API key or JWT, read per request (the user may sign out meanwhile). */
  token: () => string | null;
  /** Sees every `extensions.authz`, for the Health view's cache figures. */
  onAuthz?: (authz: AuthzExtension) => void;
}

interface GraphQLBody<T> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
  extensions?: { authz?: AuthzExtension };
}

/**
 * Plain fetch, same origin only. The token travels in the Authorization header and
 * nowhere else: never in the URL, never logged. A response with any error is a
 * failure as a whole, because the gateway's mutations are all or nothing.
 */
export function createClient(options: ClientOptions): Client {
  return {
    async request(document, variables) {
      const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
      const token = options.token();
      if (token) headers.authorization = `Bearer ${token}`;
      let response: Response;
      try {
        response = await fetch('/graphql', { method: 'POST', headers, body: JSON.stringify({ query: document.toString(), variables }) });
      } catch (error) {
        throw new ApiError('NETWORK_ERROR', error instanceof Error ? error.message : String(error));
      }
      let body: GraphQLBody<never>;
      try {
        body = (await response.json()) as GraphQLBody<never>;
      } catch {
        throw new ApiError('HTTP_ERROR', `HTTP ${response.status}`);
      }
      const authz = body.extensions?.authz ?? null;
      if (authz) options.onAuthz?.(authz);
      const first = body.errors?.[0];
      if (first) throw new ApiError(first.extensions?.code ?? 'INTERNAL_SERVER_ERROR', first.message);
      if (!response.ok || !body.data) throw new ApiError('HTTP_ERROR', `HTTP ${response.status}`);
      return { data: body.data, authz };
    },
  };
}
