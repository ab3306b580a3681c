import type { ApolloServerPlugin, GraphQLRequestContextDidEncounterErrors } from '@apollo/server';
import type { GraphQLError } from 'graphql';
import type { GraphQLContext } from '../context';
import type { FinishedRequestHandler } from '../plugins/observability';

/**
 * How the prepared path gives a request what one Apollo plugin gives it. The closed set
 * of effects this path knows how to reproduce; anything else is refused at startup.
 * - `authz-extension`: `extensions.authz`, through the plugin's own authzExtension().
 * - `http-status`: status codes and trace IDs on errors, through statusForErrors().
 * - `request-finished`: the log line, metrics and span name, by calling `finished` (the
 *   same function the plugin calls).
 * - `usage-reporting`: Apollo Studio usage reports, by the prepared path's own reporter
 *   (observability/studio/), which must then be given.
 * - `error-messages`: a plugin whose only request hook is `didEncounterErrors` and that
 *   only rewrites the errors (graphql-armor's suggestion masking): the prepared path
 *   runs that hook itself on its execution errors. Checked at startup.
 * - `none-per-request`: a plugin without `requestDidStart` (disabled plugins, schema
 *   reporting at startup): nothing per request to reproduce. Checked at startup.
 */
export type PreparedEffect =
  | { readonly kind: 'authz-extension' }
  | { readonly kind: 'http-status' }
  | { readonly kind: 'request-finished'; readonly finished: FinishedRequestHandler }
  | { readonly kind: 'usage-reporting' }
  | { readonly kind: 'error-messages' }
  | { readonly kind: 'none-per-request'; readonly reason: string };

/** One plugin of Apollo's list (src/graphql/plugin-list/apollo-plugins.ts builds it). */
export interface GatewayPlugin {
  /** Named in the refusal, so an operator knows which plugin stopped the start. */
  readonly name: string;
  readonly plugin: ApolloServerPlugin<GraphQLContext>;
  /** What the prepared path does instead of running it; null: not reproduced. */
  readonly prepared: PreparedEffect | null;
}

/** Rewrites a request's execution errors in place, as a plugin's didEncounterErrors does. */
type ErrorHook = (errors: ReadonlyArray<GraphQLError>, contextValue: GraphQLContext) => Promise<void>;

/**
 * A request's execution errors as the `error-messages` plugins leave them (Apollo runs
 * them before formatting): copies, since graphql-jit's errors have a read-only `message`.
 */
export type EncounterErrors = (errors: ReadonlyArray<GraphQLError>, contextValue: GraphQLContext) => Promise<ReadonlyArray<GraphQLError>>;

/** What the prepared path must do per request so that its answers match Apollo's. */
export interface ReproducedPlugins {
  readonly authzExtension: boolean;
  readonly httpStatus: boolean;
  readonly finished: readonly FinishedRequestHandler[];
  /** Null: no plugin touches the errors, use them as they are. */
  readonly encounterErrors: EncounterErrors | null;
  readonly usage: boolean;
}

/** Thrown at startup: Apollo runs a plugin whose effect the prepared path would not give. */
export class UnreproducedPluginError extends Error {
  constructor(readonly plugin: string, reason: string) {
    super(`the prepared path cannot reproduce the Apollo plugin "${plugin}": ${reason}. Reproduce it in src/graphql/prepared/ or set GRAPHQL_PREPARED_OPERATIONS=false`);
    this.name = 'UnreproducedPluginError';
  }
}

/**
 * Checks every plugin of Apollo's list against the effects this path reproduces and
 * says what to do per request; throws UnreproducedPluginError for the first plugin it
 * cannot reproduce (or whose claimed effect its hooks contradict). `usageReporter`:
 * whether the prepared path was given a usage reporter, required exactly when Apollo
 * reports usage.
 */
export async function reproducePlugins(plugins: readonly GatewayPlugin[], usageReporter: boolean): Promise<ReproducedPlugins> {
  const reproduced = { authzExtension: false, httpStatus: false, finished: [] as FinishedRequestHandler[], usage: false };
  const errorHooks: ErrorHook[] = [];
  for (const { name, plugin, prepared } of plugins) {
    if (prepared === null) throw new UnreproducedPluginError(name, 'it is marked as not reproduced');
    switch (prepared.kind) {
      case 'authz-extension':
        reproduced.authzExtension = true;
        break;
      case 'http-status':
        reproduced.httpStatus = true;
        break;
      case 'request-finished':
        reproduced.finished.push(prepared.finished);
        break;
      case 'usage-reporting':
        if (!usageReporter) throw new UnreproducedPluginError(name, 'Apollo reports usage, but the prepared path was given no usage reporter');
        reproduced.usage = true;
        break;
      case 'error-messages':
        errorHooks.push(await errorHookOf(name, plugin));
        break;
      case 'none-per-request':
        if (plugin.requestDidStart) throw new UnreproducedPluginError(name, 'it is said to do nothing per request, but it has a requestDidStart hook');
        break;
      default:
        // Only reachable past the type checker (a cast, or JavaScript).
        throw new UnreproducedPluginError(name, `unknown effect "${String((prepared as { kind: unknown }).kind)}"`);
    }
  }
  if (usageReporter && !reproduced.usage) throw new UnreproducedPluginError('usage reporting', 'the prepared path was given a usage reporter, but Apollo does not report usage');
  return { ...reproduced, encounterErrors: errorHooks.length > 0 ? runHooks(errorHooks) : null };
}

function runHooks(hooks: readonly ErrorHook[]): EncounterErrors {
  return async (errors, contextValue) => {
    const copies = errors.map(withWritableMessage);
    // Apollo starts every plugin's hook at once (Promise.all); so does this.
    await Promise.all(hooks.map((hook) => hook(copies, contextValue)));
    return copies;
  };
}

/** The same error (prototype, path, locations, extensions, stack) with a `message` a plugin may assign. */
function withWritableMessage(error: GraphQLError): GraphQLError {
  const properties = Object.getOwnPropertyDescriptors(error);
  properties.message = { value: error.message, enumerable: true, writable: true, configurable: true };
  return Object.create(Object.getPrototypeOf(error), properties) as GraphQLError;
}

/** The plugin's didEncounterErrors hook, once it is known to be its only request hook. */
async function errorHookOf(name: string, plugin: ApolloServerPlugin<GraphQLContext>): Promise<ErrorHook> {
  const pluginHooks = Object.keys(plugin).filter((key) => typeof (plugin as Record<string, unknown>)[key] === 'function');
  const requestDidStart = plugin.requestDidStart;
  if (!requestDidStart || pluginHooks.length !== 1) throw new UnreproducedPluginError(name, `its hooks are ${pluginHooks.join(', ') || 'none'}, not requestDidStart alone`);
  // A request context with only the parts these plugins read (Apollo's has more).
  const partial = (contextValue: GraphQLContext | undefined, errors: ReadonlyArray<GraphQLError>) =>
    ({ contextValue, errors }) as unknown as GraphQLRequestContextDidEncounterErrors<GraphQLContext>;
  const listener = await requestDidStart.call(plugin, partial(undefined, []));
  const requestHooks = Object.keys(listener ?? {});
  if (requestHooks.length !== 1 || requestHooks[0] !== 'didEncounterErrors') {
    throw new UnreproducedPluginError(name, `its request hooks are ${requestHooks.join(', ') || 'none'}, not didEncounterErrors alone`);
  }
  return async (errors, contextValue) => {
    const context = partial(contextValue, errors);
    const perRequest = await requestDidStart.call(plugin, context);
    await perRequest?.didEncounterErrors?.(context);
  };
}
