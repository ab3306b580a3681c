import { compileQuery, type CompiledQuery, isCompiledQuery } from 'graphql-jit';
import { BREAK, type DocumentNode, getOperationAST, type GraphQLSchema, Kind, parse, type ParseOptions, specifiedRules, validate, type ValidationRule, visit } from 'graphql';

/** A query document that parsed, validated and compiled: run it with any variables. */
export interface PreparedOperation {
  /** The operation's name as Apollo reports it (null: anonymous). */
  readonly name: string | null;
  readonly type: 'query';
  readonly compiled: CompiledQuery;
  /** The parsed document (usage reporting derives the operation's signature from it). */
  readonly document: DocumentNode;
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
 * no error, and select one query operation that asks for no introspection and selects
 * exactly one top-level field (the hot path: `can`, `checks`, `permissions`). With
 * several, graphql-js answers at the first failing non-null field while graphql-jit
 * runs and waits for all of them, so their errors and timing would differ from
 * Apollo's. A `__proto__` response name is refused too (graphql-jit drops it). Anything
 * else is remembered as `null` and stays Apollo's, errors included.
 *
 * A text is compiled on its second sighting: compiling costs about as much as hundreds
 * of executions, clients send the same few texts over and over, and a stream of
 * one-off texts then costs no compilation at all. Only authenticated requests get here
 * (prepared-path.ts). Both the sightings and the entries are bounded: the least
 * recently used go first, and operation names must be GraphQL names of at most 128
 * characters (the text itself at most `maxQueryLength`).
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
    if (query.length > this.maxQueryLength || (operationName !== null && !OPERATION_NAME.test(operationName))) return null;
    const key = operationName === null ? query : `${query}\u0000${operationName}`;
    const entry = this.entries.get(key);
    if (entry !== undefined) {
      // Most recently used last: eviction takes the first.
      this.entries.delete(key);
      this.entries.set(key, entry);
      return entry;
    }
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
    if (!operation || operation.operation !== 'query') return null;
    const [only, ...more] = operation.selectionSet.selections;
    if (!only || more.length > 0 || only.kind !== Kind.FIELD || hasUnsupportedField(document)) return null;
    const compiled = compileQuery(schema, document, operationName ?? undefined);
    if (!isCompiledQuery(compiled)) return null;
    return { name: operation.name?.value ?? null, type: 'query', compiled, document };
  }
}

const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,127}$/;

/**
 * `__schema` or `__type` anywhere (introspection stays Apollo's: it may be switched
 * off), or `__proto__` as a response name (graphql-jit's result objects drop it).
 */
function hasUnsupportedField(document: ReturnType<typeof parse>): boolean {
  let found = false;
  visit(document, {
    [Kind.FIELD](node) {
      const name = node.name.value;
      if (name === '__schema' || name === '__type' || node.alias?.value === '__proto__') {
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
