import Keyv from 'keyv';
import { KEYV_OPTIONS, KeyvL2Client } from './keyv-client';
import type { L2Backend, VersionEntry } from './types';

/**
 * L2 on Keyv's in-process Map, when no Redis is configured: one instance only (nothing
 * is shared, and invalidations by other processes are not seen). It never fails.
 */
export function openMemoryL2(): L2Backend {
  return { kind: 'memory', client: memoryL2Client(new Keyv(KEYV_OPTIONS)), onError: () => undefined };
}

/**
 * The in-memory client on `kv` (a Keyv on a Map; tests pass their own to look inside).
 * `setIfAbsent` reads each key, then writes where it holds nothing; unlike Redis's
 * `SET NX` the two are separate steps.
 */
export function memoryL2Client(kv: Keyv): KeyvL2Client {
  const setIfAbsent = async (entries: readonly VersionEntry[]): Promise<unknown[]> => {
    const previous: unknown[] = [];
    for (const entry of entries) {
      const current: unknown = entry.replace ? undefined : await kv.get(entry.key);
      if (current === undefined) await kv.set(entry.key, entry.value, entry.ttl);
      previous.push(current);
    }
    return previous;
  };
  return new KeyvL2Client(kv, { setIfAbsent, ping: async () => undefined, close: async () => kv.disconnect() });
}
