import type Keyv from 'keyv';

/** A version to create: `value` is written only where `key` holds nothing. */
export interface VersionEntry {
  readonly key: string;
  readonly value: string;
  /** Milliseconds; none: until evicted. */
  readonly ttl?: number;
}

/**
 * Creates values that must not overwrite anything (`SET NX`), and says which value each
 * key holds afterwards: ours, or the one already there. Concurrent creators, in this
 * process or another, so converge on one version, and an invalidation that lands first
 * is never overwritten.
 */
export type SetIfAbsent = (entries: readonly VersionEntry[]) => Promise<string[]>;

/** In Keyv's stored form, as keys.ts keys and l2-store.ts parses them. */
export function storedForm(entry: VersionEntry): string {
  return JSON.stringify({ value: entry.value, expires: entry.ttl ? Date.now() + entry.ttl : undefined });
}

/** The value in Keyv's stored form, or undefined when unreadable. */
export function valueOfStored(text: string): string | undefined {
  try {
    const { value } = JSON.parse(text) as { value?: unknown };
    return typeof value === 'string' && value !== '' ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * On a Redis client (single node or cluster, which routes by key): `SET key value NX GET
 * [PX ttl]`, one command per key, pipelined. Needs Redis 7.
 */
export function redisSetIfAbsent(client: {
  set(key: string, value: string, options: { NX: true; GET: true; PX?: number }): Promise<unknown>;
}): SetIfAbsent {
  return (entries) =>
    Promise.all(
      entries.map(async (entry) => {
        const previous = await client.set(entry.key, storedForm(entry), entry.ttl ? { NX: true, GET: true, PX: entry.ttl } : { NX: true, GET: true });
        // A key holding something that is not a version (corrupt) stays as it is, and
        // reads keep taking it as absent: misses, never hits.
        return typeof previous === 'string' ? (valueOfStored(previous) ?? entry.value) : entry.value;
      }),
    );
}

/** On any Keyv (the in-memory L2 of one process): get, then set where absent. */
export function keyvSetIfAbsent(kv: Keyv): SetIfAbsent {
  return async (entries) => {
    const results: string[] = [];
    for (const entry of entries) {
      const current: unknown = await kv.get(entry.key);
      if (typeof current === 'string' && current !== '') {
        results.push(current);
      } else {
        await kv.set(entry.key, entry.value, entry.ttl);
        results.push(entry.value);
      }
    }
    return results;
  };
}
