import { storedForm, valueOfStored } from './stored-form';
import type { VersionEntry } from './types';

/** The one command of a Redis client (single node, or cluster: routed by key) this needs. */
export interface RedisSet {
  set(key: string, value: string, options: { NX?: true; GET?: true; PX?: number }): Promise<unknown>;
}

/**
 * `SET key value NX GET [PX ttl]` per entry, pipelined by the client (`SET key value
 * [PX ttl]` for `replace`): creates versions without overwriting any, so concurrent
 * creators, in this process or another, converge on one, and an invalidation that
 * landed first is never overwritten. Resolves with what each key held before (see
 * L2Client.setIfAbsent). Needs Redis 7.
 */
export function redisSetIfAbsent(client: RedisSet): (entries: readonly VersionEntry[]) => Promise<unknown[]> {
  return (entries) =>
    Promise.all(
      entries.map(async (entry) => {
        if (entry.replace) {
          await client.set(entry.key, storedForm(entry.value, entry.ttl), entry.ttl ? { PX: entry.ttl } : {});
          return undefined;
        }
        const previous = await client.set(entry.key, storedForm(entry.value, entry.ttl), entry.ttl ? { NX: true, GET: true, PX: entry.ttl } : { NX: true, GET: true });
        return typeof previous === 'string' ? valueOfStored(previous) : undefined;
      }),
    );
}
