import { openMemoryL2 } from '../../src/l2-client/memory';
import type { L2Client } from '../../src/l2-client/types';

/**
 * An in-memory L2 client (the real implementation) with some calls replaced, for faults
 * a unit test cannot make for real: a Redis that refuses (`failing`) or never answers
 * (`hanging`). Every call not replaced goes to process memory.
 */
export function l2ClientWith(overrides: Partial<L2Client>): L2Client {
  const memory = openMemoryL2().client;
  return {
    getMany: overrides.getMany ?? ((keys) => memory.getMany(keys)),
    setMany: overrides.setMany ?? ((entries) => memory.setMany(entries)),
    writeVersions: overrides.writeVersions ?? ((writes) => memory.writeVersions(writes)),
    ping: overrides.ping ?? (() => memory.ping()),
    close: overrides.close ?? (() => memory.close()),
  };
}

/** A call that rejects at once, as Redis does when the connection is refused. */
export const failing = (message = 'ECONNREFUSED') => () => Promise.reject(new Error(message));

/** A call that never settles, as a silent Redis's does. */
export const hanging = () => () => new Promise<never>(() => undefined);
