import type { VersionWrite } from './version-writes';

/** A value to store: `value` under `key`, for `ttl` milliseconds (none: until evicted). */
export interface L2Write {
  readonly key: string;
  readonly value: unknown;
  readonly ttl?: number;
}

/**
 * Everything the L2 layers ask of the shared cache (Redis through Keyv, or
 * process memory), and nothing more. Implementations: keyv-redis.ts, keyv-redis-cluster.ts,
 * memory.ts; decorators (each wraps one `L2Client` and is one): bounded.ts (the one
 * deadline), metered.ts, reporting-to-breaker.ts, coalesced-reads.ts. They are composed
 * in src/composition/l2-clients.ts only, so every call, version writes included, passes through
 * the same decorators in an order the type checker sees.
 *
 * Contract, for every implementation (test/unit/l2-client/contract.ts runs it on each):
 * - `getMany` resolves with the values of exactly `keys`, in their order, `undefined`
 *   for absent or expired keys. Values are what `setMany` stored, as JSON
 *   round-trips them; stored text that is not ours is returned as a value the L2 layer
 *   refuses (stored-form.ts), never as a rejection of the whole batch.
 * - `setMany` stores every entry (TTL in ms); it resolves only once all are stored. It
 *   writes permission values, never version keys.
 * - `writeVersions` applies each write to its version key atomically, by the rules of
 *   version-writes.ts (create where absent, fence, settle, refresh), and resolves with
 *   the token each key holds afterwards, or null where it holds none (pending, or junk
 *   left in place). Every write of a version key goes through it.
 * - Every call rejects on any failure (a write may still have landed then); none adds a
 *   deadline of its own (bounded.ts does).
 * - `ping` resolves once Redis answers (memory: at once); `close` releases it.
 */
export interface L2Client {
  getMany(keys: readonly string[]): Promise<unknown[]>;
  setMany(entries: readonly L2Write[]): Promise<void>;
  writeVersions(writes: readonly VersionWrite[]): Promise<Array<string | null>>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** An opened L2 backend: the client, what it runs on, and its connection errors. */
export interface L2Backend {
  readonly kind: 'redis' | 'memory';
  readonly client: L2Client;
  /**
   * Registers `listener` for every failure the connection reports (errors, reconnect
   * attempts, failed commands): the change feed's fail-closed rule counts them.
   */
  onError(listener: (error: unknown) => void): void;
}

declare const neverSkipped: unique symbol;

/**
 * A client that no breaker skips: the only kind the invalidator takes (a change must
 * always try to fence Redis). Made by `unguarded` alone, which the composition applies
 * to a chain without a breaker decorator (src/composition/l2-clients.ts).
 */
export type UnguardedL2Client = L2Client & { readonly [neverSkipped]: true };

/** Marks `client`, built without a breaker decorator, as one no breaker skips. */
export function unguarded(client: L2Client): UnguardedL2Client {
  return client as UnguardedL2Client;
}
