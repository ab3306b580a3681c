import type Keyv from 'keyv';
import { redisVersionWrites, type ScriptClient } from './version-script';
import { memoryVersionWrites, type VersionWrites } from './version-writes';

/** A version to create: `value` is written only where `key` holds nothing. */
export interface VersionEntry {
  readonly key: string;
  readonly value: string;
  /** Milliseconds. */
  readonly ttl: number;
  /**
   * Overwrite what `key` holds if it still holds junk: it was read as junk (l2-entry.ts
   * readVersion), which would otherwise stay, be read by every request and block
   * caching. Overwriting junk with a fresh token is as safe as creating one: the load
   * that follows reads the database after it. A pending marker or a token written since
   * the read is never replaced (version-writes.ts `create`).
   */
  readonly replace?: boolean;
}

/**
 * Creates versions that must not overwrite anything, and says which token each key
 * holds afterwards: ours, or the one already there. Concurrent creators, in this
 * process or another, so converge on one version, and an invalidation that lands first
 * is never overwritten. Where the key holds no token (a change is pending, or junk
 * stays), the answer is our own unwritten token: the value loaded under it never
 * matches anything, so it is never a hit.
 */
export type SetIfAbsent = (entries: readonly VersionEntry[]) => Promise<string[]>;

/** `create` writes (version-writes.ts) on Redis, a cluster or memory alike. */
export function versionSetIfAbsent(writes: VersionWrites): SetIfAbsent {
  return async (entries) => {
    const held = await writes(entries.map((e) => ({ kind: 'create', key: e.key, token: e.value, ttlMs: e.ttl, replaceJunk: e.replace ?? false })));
    return held.map((token, i) => token ?? entries[i]!.value);
  };
}

/** On a Redis client or cluster (see version-script.ts). */
export function redisSetIfAbsent(client: ScriptClient): SetIfAbsent {
  return versionSetIfAbsent(redisVersionWrites(client));
}

/** On an in-process Keyv over a Map (the memory L2 of one process, and tests). */
export function keyvSetIfAbsent(kv: Keyv): SetIfAbsent {
  let writes: VersionWrites | null = null;
  return (entries) => versionSetIfAbsent((writes ??= memoryVersionWrites(kv)))(entries);
}
