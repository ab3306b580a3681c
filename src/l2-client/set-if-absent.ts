import type Keyv from 'keyv';
import { MAX_STORED_CHARS, readVersion } from '../l2/l2-entry';

/** A version to create: `value` is written only where `key` holds nothing. */
export interface VersionEntry {
  readonly key: string;
  readonly value: string;
  /** Milliseconds; none: until evicted. */
  readonly ttl?: number;
  /**
   * Overwrite what `key` holds: it was read as junk (l2-entry.ts readVersion), which
   * would otherwise stay, be read by every request and block caching. Overwriting with a
   * fresh token is as safe as creating one: the load that follows reads the database
   * after it, and a genuine token it may replace only makes more values miss.
   */
  readonly replace?: boolean;
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

/** The version token in Keyv's stored form, or undefined when unreadable or not a token. */
export function valueOfStored(text: string): string | undefined {
  if (text.length > MAX_STORED_CHARS) return undefined;
  try {
    const { value } = JSON.parse(text) as { value?: unknown };
    const token = readVersion(value);
    return typeof token === 'string' ? token : undefined;
  } catch {
    return undefined;
  }
}

/**
 * On a Redis client (single node or cluster, which routes by key): `SET key value NX GET
 * [PX ttl]`, one command per key, pipelined. Needs Redis 7.
 */
export function redisSetIfAbsent(client: {
  set(key: string, value: string, options: { NX?: true; GET?: true; PX?: number }): Promise<unknown>;
}): SetIfAbsent {
  return (entries) =>
    Promise.all(
      entries.map(async (entry) => {
        if (entry.replace) {
          await client.set(entry.key, storedForm(entry), entry.ttl ? { PX: entry.ttl } : {});
          return entry.value;
        }
        const previous = await client.set(entry.key, storedForm(entry), entry.ttl ? { NX: true, GET: true, PX: entry.ttl } : { NX: true, GET: true });
        // A key holding something that is not a version (junk written since our read)
        // stays as it is for now: the value loaded under our unwritten token never
        // matches, and the next read replaces the junk (`replace`).
        return typeof previous === 'string' ? (valueOfStored(previous) ?? entry.value) : entry.value;
      }),
    );
}

/** On any Keyv (the in-memory L2 of one process): get, then set where absent. */
export function keyvSetIfAbsent(kv: Keyv): SetIfAbsent {
  return async (entries) => {
    const results: string[] = [];
    for (const entry of entries) {
      const current = entry.replace ? undefined : readVersion(await kv.get(entry.key));
      if (typeof current === 'string') {
        results.push(current);
      } else {
        await kv.set(entry.key, entry.value, entry.ttl);
        results.push(entry.value);
      }
    }
    return results;
  };
}
