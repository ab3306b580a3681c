import type Keyv from 'keyv';
import { parseStored } from './stored-form';
import type { L2Client, L2Write } from './types';
import type { VersionWrites } from './version-writes';

/** Keyv as every L2 implementation uses it: no key prefix, plain JSON (stored-form.ts), failures thrown. */
export const KEYV_OPTIONS = { useKeyPrefix: false, serialize: JSON.stringify, deserialize: parseStored, throwOnErrors: true };

/** How a Keyv-based client writes versions, pings and closes (they bypass Keyv). */
export interface KeyvClientParts {
  writeVersions: VersionWrites;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * An L2Client on a Keyv instance: reads and writes through Keyv (its storage adapter decides the
 * round trips: one MGET / one MULTI on Redis, one pipeline per node on a cluster), the
 * rest through `parts`. Keyv must throw on errors (`throwOnErrors`) and add no key prefix.
 */
export class KeyvL2Client implements L2Client {
  constructor(
    private readonly kv: Keyv,
    private readonly parts: KeyvClientParts,
  ) {}

  getMany(keys: readonly string[]): Promise<unknown[]> {
    return this.kv.getMany(keys as string[]);
  }

  async setMany(entries: readonly L2Write[]): Promise<void> {
    await this.kv.setMany(entries as Array<{ key: string; value: unknown; ttl?: number }>);
  }

  writeVersions(writes: Parameters<VersionWrites>[0]): Promise<Array<string | null>> {
    return this.parts.writeVersions(writes);
  }

  ping(): Promise<void> {
    return this.parts.ping();
  }

  close(): Promise<void> {
    return this.parts.close();
  }
}
