import type { Server } from 'node:http';
import { type DocumentNode, GraphQLError, type GraphQLSchema, getOperationAST, NoSchemaIntrospectionCustomRule, parse, specifiedRules, validate, type ValidationRule } from 'graphql';
import { CloseCode, handleProtocols, makeServer } from 'graphql-ws';
import { type WebSocket, WebSocketServer } from 'ws';
import { UnauthenticatedError } from '../auth/errors';
import { hasScope } from '../auth/scopes';
import type { Caller, CallerAuthenticator } from '../auth/types';
import { StoreUnavailableError, InvalidInputError } from '../authz/errors';
import type { WebSocketConfig } from '../config/config';
import { ErrorCode, toRequestError } from '../graphql/errors';
import { GRAPHQL_LIMITS } from '../graphql/hardening';
import type { SubscriptionContext } from './subscription-context';
import type { Logger } from '../observability/logger';
import type { GatewayMetrics } from '../observability/metrics';
import { subscribeMapped } from './mapped-stream';
import { SubscriptionLimitError, type SubscriptionHub } from './subscription-hub';
import { runProtocol, type SocketExtra } from './ws-transport';

/** The WebSocket side of /graphql; `close` ends every connection with 1001 (going away). */
export interface GraphQLWebSocket {
  close(): Promise<void>;
}

interface Connection {
  authorization: string | undefined;
  /** Shared by the connection's subscriptions (its limits are per connection). */
  context: SubscriptionContext;
}

/** Close code for "try again later" (RFC 6455 registry): the credentials could not be checked. */
const TRY_AGAIN_LATER = 1013;
/** How long shutdown waits for clients to answer the 1001 close. */
const CLOSE_HANDSHAKE_MS = 2_000;
/** Distinct query texts whose checked documents are kept. */
const MAX_DOCUMENTS = 200;

/**
 * Serves GraphQL subscriptions on `server`'s /graphql with the graphql-transport-ws
 * protocol (graphql-ws over ws); HTTP requests to /graphql are not touched. A connection
 * authenticates once in `connection_init` (`{ "authorization": "Bearer ..." }`, the same
 * modes as HTTP) and again every `authRecheckMs`: a key revoked or a token expired since
 * closes it with 4401 and so ends its subscriptions. Only subscription operations run
 * here, validated with the HTTP path's rules.
 */
export function serveGraphQLWebSocket(
  server: Server,
  deps: {
    schema: GraphQLSchema;
    validationRules: readonly ValidationRule[];
    introspection: boolean;
    authenticator: CallerAuthenticator;
    hub: SubscriptionHub;
    config: WebSocketConfig;
    metrics: Pick<GatewayMetrics, 'wsConnections' | 'wsBufferedBytes' | 'beforeCollect'>;
    logger: Logger;
    production: boolean;
  },
): GraphQLWebSocket {
  const { config, metrics, logger } = deps;
  const connections = new Map<WebSocket, Connection>();
  const wss = new WebSocketServer({
    server,
    path: '/graphql',
    maxPayload: config.maxMessageBytes,
    // Messages are small JSON; compression would cost a zlib context per socket.
    perMessageDeflate: false,
    handleProtocols,
    // Refused before the upgrade: 503 past the instance's connection limit.
    verifyClient: (_info, done) => (wss.clients.size >= config.maxConnections ? done(false, 503, 'too many WebSocket connections') : done(true)),
  });
  const rules = [...specifiedRules, ...deps.validationRules, ...(deps.introspection ? [] : [NoSchemaIntrospectionCustomRule])];
  wss.on('connection', (socket) => {
    metrics.wsConnections.inc();
    socket.on('close', () => {
      metrics.wsConnections.dec();
      connections.delete(socket);
    });
  });
  metrics.beforeCollect.push(() => {
    let sum = 0;
    let max = 0;
    for (const socket of wss.clients) {
      sum += socket.bufferedAmount;
      max = Math.max(max, socket.bufferedAmount);
    }
    metrics.wsBufferedBytes.set({ stat: 'sum' }, sum);
    metrics.wsBufferedBytes.set({ stat: 'max' }, max);
  });

  const logFailure = (error: unknown): void => {
    if (error instanceof UnauthenticatedError) logger.info({ event: 'authz_auth_failed', transport: 'websocket', reason: error.message }, 'WebSocket connection not authenticated');
    else if (error instanceof StoreUnavailableError) logger.warn({ event: 'authz_auth_failed', transport: 'websocket', err: error }, 'WebSocket credentials could not be checked');
    else logger.error({ err: error }, 'WebSocket authentication failed');
  };
  const closeForFailure = (socket: WebSocket, error: unknown): void => {
    if (error instanceof UnauthenticatedError) socket.close(CloseCode.Unauthorized, 'Unauthorized');
    else if (error instanceof StoreUnavailableError) socket.close(TRY_AGAIN_LATER, 'Credentials could not be checked; try again later');
    else socket.close(CloseCode.InternalServerError, 'Internal server error');
  };
  const authenticate = async (socket: WebSocket, authorization: string | undefined): Promise<Caller | null> => {
    try {
      return await deps.authenticator.authenticate(authorization);
    } catch (error) {
      logFailure(error);
      closeForFailure(socket, error);
      return null;
    }
  };

  // Parsed and validated documents by query text, shared by every subscription that
  // sends the same text (the document lives as long as its subscriptions do). Bounded:
  // cleared when full.
  const documents = new Map<string, { document: DocumentNode } | { errors: GraphQLError[] }>();
  const checkedDocument = (query: string): { document: DocumentNode } | { errors: GraphQLError[] } => {
    let checked = documents.get(query);
    if (checked) return checked;
    try {
      const document = parse(query, { maxTokens: GRAPHQL_LIMITS.maxTokens });
      const errors = validate(deps.schema, document, rules);
      checked = errors.length > 0 ? { errors: [...errors] } : { document };
    } catch (error) {
      checked = { errors: [error instanceof GraphQLError ? error : new GraphQLError('the query could not be parsed')] };
    }
    if (documents.size >= MAX_DOCUMENTS) documents.clear();
    documents.set(query, checked);
    return checked;
  };

  // Credentials can be revoked or expire while sockets stay open: every
  // `authRecheckMs` each distinct credential is checked once (many sockets often share
  // one API key), and every socket it failed for is closed.
  const recheck = setInterval(() => {
    const byCredential = new Map<string | undefined, WebSocket[]>();
    for (const [socket, connection] of connections) {
      const sockets = byCredential.get(connection.authorization);
      if (sockets) sockets.push(socket);
      else byCredential.set(connection.authorization, [socket]);
    }
    for (const [authorization, sockets] of byCredential) {
      void deps.authenticator.authenticate(authorization).then(
        (caller) => {
          if (!hasScope(caller, 'authz:check:self')) for (const socket of sockets) socket.close(CloseCode.Forbidden, 'Forbidden');
        },
        (error: unknown) => {
          for (const socket of sockets) closeForFailure(socket, error);
          logFailure(error);
        },
      );
    }
  }, config.authRecheckMs);
  recheck.unref();

  const protocol = makeServer<Record<string, unknown>, SocketExtra>({
    schema: deps.schema,
    subscribe: subscribeMapped,
    connectionInitWaitTimeout: config.initTimeoutMs,
    onConnect: async (ctx) => {
      const socket = ctx.extra.socket;
      const raw = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
      const authorization = typeof raw === 'string' ? raw : undefined;
      const caller = await authenticate(socket, authorization);
      if (!caller) return false;
      if (!hasScope(caller, 'authz:check:self')) {
        socket.close(CloseCode.Forbidden, 'Forbidden: needs the scope authz:check or authz:check:self');
        return false;
      }
      if (socket.readyState !== socket.OPEN) return false;
      const context: SubscriptionContext = { caller, hub: deps.hub, connection: { open: 0, max: config.maxSubscriptionsPerConnection } };
      connections.set(socket, { authorization, context });
      return true;
    },
    onSubscribe: (ctx, _id, payload) => {
      const checked = checkedDocument(payload.query);
      if (!('document' in checked)) return checked.errors;
      const { document } = checked;
      if (getOperationAST(document, payload.operationName)?.operation !== 'subscription') {
        return [new GraphQLError('only subscriptions are served over WebSocket; send queries and mutations with HTTP POST /graphql', { extensions: { code: 'BAD_REQUEST' } })];
      }
      const connection = connections.get(ctx.extra.socket);
      if (!connection) return [new GraphQLError('not authenticated', { extensions: { code: ErrorCode.UNAUTHENTICATED } })];
      return { schema: deps.schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue: connection.context };
    },
    onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? { ...result, errors: result.errors.map((e) => publicError(e, logger, deps.production)) } : result),
    onError: (_ctx, _id, _payload, errors) => errors.map((e) => publicError(e, logger, deps.production)),
  });
  const server$ = runProtocol(protocol, wss, { pingMs: config.pingMs, logger, production: deps.production });

  return {
    close: async () => {
      clearInterval(recheck);
      // dispose() sends 1001 to every client and waits for the closing handshakes; a
      // client that does not answer (not reading) is cut after a bound, within the drain.
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_HANDSHAKE_MS)));
      await Promise.race([server$.dispose(), bound]);
      clearTimeout(timer);
      for (const socket of wss.clients) socket.terminate();
    },
  };
}

/** What a client may see of an error: domain errors with their code, anything else masked. */
function publicError(error: GraphQLError, logger: Logger, production: boolean): GraphQLError {
  const original = error.originalError;
  if (original instanceof GraphQLError) return original;
  const mapped = toRequestError(original ?? error);
  if (mapped instanceof GraphQLError) return new GraphQLError(mapped.message, { path: error.path, extensions: { code: mapped.extensions.code } });
  if (original instanceof InvalidInputError) return new GraphQLError(original.message, { path: error.path, extensions: { code: ErrorCode.BAD_USER_INPUT } });
  if (original instanceof SubscriptionLimitError) return new GraphQLError(original.message, { path: error.path, extensions: { code: 'LIMIT_EXCEEDED' } });
  if (!original) return error; // a parse or validation error: the client's own
  logger.error({ err: original }, 'GraphQL subscription failed');
  return new GraphQLError(production ? 'Internal server error' : original.message, { path: error.path, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } });
}
