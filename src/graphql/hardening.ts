import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { ApolloServerOptions, ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { ValidationRule } from 'graphql';

/**
 * Limits every operation must pass before it runs (graphql-armor validation rules).
 * Sized for this API: its deepest legitimate query is 2 levels, and a `checks` call
 * passes its (up to AUTHZ_MAX_CHECKS) requests as a variable, which costs no tokens.
 * Introspection is exempt from depth and cost (it is switched off in production).
 */
export const GRAPHQL_LIMITS = {
  maxDepth: 6,
  maxAliases: 15,
  maxTokens: 1000,
  maxDirectives: 10,
  maxCost: 5000,
} as const;

export interface HardeningOptions {
  /** GRAPHQL_INTROSPECTION (default: off in production). */
  introspection: boolean;
  /** In production, "Did you mean ...?" hints would leak the schema introspection hides. */
  blockFieldSuggestions: boolean;
  /** Stack traces in responses: development only. */
  includeStacktrace: boolean;
}

/**
 * The Apollo options that harden the endpoint: armor's rules and plugins, no batched
 * HTTP requests (one request, one operation: the limits above then bound a request),
 * CSRF prevention (a simple cross-site form or GET cannot reach a resolver), and
 * introspection and stack traces as configured.
 */
export function hardenedApolloOptions(options: HardeningOptions): {
  plugins: ApolloServerPlugin<BaseContext>[];
  validationRules: ValidationRule[];
} & Pick<ApolloServerOptions<BaseContext>, 'introspection' | 'allowBatchedHttpRequests' | 'csrfPrevention' | 'includeStacktraceInErrorResponses' | 'parseOptions'> {
  const armor = new ApolloArmor({
    maxDepth: { n: GRAPHQL_LIMITS.maxDepth, exposeLimits: false },
    maxAliases: { n: GRAPHQL_LIMITS.maxAliases, exposeLimits: false },
    // Tokens are limited by graphql-js's own parser instead (parseOptions below): armor's
    // token plugin throws from a plugin hook, which Apollo answers with a 500.
    maxTokens: { enabled: false },
    maxDirectives: { n: GRAPHQL_LIMITS.maxDirectives, exposeLimits: false },
    costLimit: { maxCost: GRAPHQL_LIMITS.maxCost, exposeLimits: false },
    blockFieldSuggestion: { enabled: options.blockFieldSuggestions },
  });
  const protection = armor.protect();
  return {
    plugins: protection.plugins as ApolloServerPlugin<BaseContext>[],
    validationRules: protection.validationRules as ValidationRule[],
    // Past maxTokens the parser stops at once: a 400 GRAPHQL_PARSE_FAILED, and a huge
    // document costs no more than its first 1,000 tokens.
    parseOptions: { maxTokens: GRAPHQL_LIMITS.maxTokens },
    introspection: options.introspection,
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
    includeStacktraceInErrorResponses: options.includeStacktrace,
  };
}
