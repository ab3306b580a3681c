import Keyv from 'keyv';
import { KEYV_OPTIONS, KeyvL2Client } from './keyv-client';
import type { L2Backend } from './types';
import { memoryVersionWrites } from './version-writes';

/**
 * L2 on Keyv's in-process Map, when no Redis is configured: one instance only (nothing
 * is shared, and invalidations by other processes are not seen). It never fails.
 */
export function openMemoryL2(): L2Backend {
  return { kind: 'memory', client: memoryL2Client(new Keyv(KEYV_OPTIONS)), onError: () => undefined };
}

/**
 * The in-memory client on `kv` (a Keyv on a Map; tests pass their own to look inside).
 * Version writes follow the same rules as on Redis, each in one synchronous step
 * (version-writes.ts memoryVersionWrites).
 */
export function memoryL2Client(kv: Keyv): KeyvL2Client {
  return new KeyvL2Client(kv, { writeVersions: memoryVersionWrites(kv), ping: async () => undefined, close: async () => kv.disconnect() });
}
