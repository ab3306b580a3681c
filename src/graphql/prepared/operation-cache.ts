import { compileQuery, type CompiledQuery, isCompiledQuery } from 'graphql-jit';
import { BREAK, getOperationAST, type GraphQLSchema, Kind, parse, type ParseOptions, specifiedRules, validate, type ValidationRule, visit } from 'graphql';

/** A query document that parsed, validated and compiled: run it with any variables. */
export interface PreparedOperation {
  /** The operation's name as Apollo reports it (null: anonymous). */
  readonly name: string | null;
  readonly type: 'query';
  readonly compiled: CompiledQuery;
}

export interface OperationCacheOptions {
  schema: GraphQLSchema;
  /** Apollo's validation rules beyond graphql-js's own (graphql-armor's limits). */
  validationRules: readonly ValidationRule[];
  /** Apollo's parse options (the token limit). */
  parseOptions: ParseOptions;
  /** Documents kept, compiled or refused (default 500). */
  maxEntries?: number;
  /** Longer query texts are never prepared (default 8 KB): they bound the memory held. */
  maxQueryLength?: number;
}

/**
 * Query documents prepared once, looked up by their exact text (and operation name):
 * what Apollo does per request (hash the text with SHA-256, look the hash up in its
 * document store, then interpret the document with graphql-js) becomes a Map lookup
 * and a call of a function compiled by graphql-jit.
 *
 * Only documents Apollo would run unchanged are prepared: they parse with Apollo's
 * parse options, pass graphql-js's rules and Apollo's (armor's) validation rules with
 * no error, and select one query operation that asks for no introspection. Anything
 * else is remembered as `null` and stays Apollo's, errors included.
 *
 * A text is compiled on its second sighting: compiling costs about as much as hundreds
 * of executions, clients send the same few texts over and over, and a stream of
 * one-off texts then costs no compilation at all. Both the sightings and the prepared
 * entries are bounded (oldest out first).
 */
export class OperationCache {
  private readonly entries = new Map<string, PreparedOperation | null>();
  private readonly sightings = new Set<string>();
  private readonly maxEntries: number;
  private readonly maxQueryLength: number;
  private readonly rules: readonly ValidationRule[];

  constructor(private readonly options: OperationCacheOptions) {
    this.maxEntries = options.maxEntries ?? 500;
    this.maxQueryLength = options.maxQueryLength ?? 8 * 1024;
    this.rules = [...specifiedRules, ...options.validationRules];
  }

  /** The prepared operation for this text, or null: Apollo runs it. */
  get(query: string, operationName: string | null): PreparedOperation | null {
    const key = operationName === null ? query : `${query}\u0000${operationName}`;
    const entry = this.entries.get(key);
    if (entry !== undefined) return entry;
    if (query.length > this.maxQueryLength) return null;
    if (!this.sightings.has(key)) {
      remember(this.sightings, key, this.maxEntries);
      return null;
    }
    this.sightings.delete(key);
    const prepared = this.prepare(query, operationName);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, prepared);
    return prepared;
  }

  private prepare(query: string, operationName: string | null): PreparedOperation | null {
    const { schema, parseOptions } = this.options;
    let document;
    try {
      document = parse(query, parseOptions);
    } catch {
      return null;
    }
    if (validate(schema, document, this.rules).length > 0) return null;
    const operation = getOperationAST(document, operationName);
    if (!operation || operation.operation !== 'query' || asksForIntrospection(document)) return null;
    const compiled = compileQuery(schema, document, operationName ?? undefined);
    if (!isCompiledQuery(compiled)) return null;
    return { name: operation.name?.value ?? null, type: 'query', compiled };
  }
}

/** `__schema` or `__type` anywhere: introspection stays Apollo's (it may be switched off). */
function asksForIntrospection(document: ReturnType<typeof parse>): boolean {
  let found = false;
  visit(document, {
    [Kind.FIELD](node) {
      if (node.name.value === '__schema' || node.name.value === '__type') {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}

function remember(set: Set<string>, key: string, max: number): void {
  if (set.size >= max) set.delete(set.values().next().value!);
  set.add(key);
}
