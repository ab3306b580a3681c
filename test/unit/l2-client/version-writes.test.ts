import Keyv from 'keyv';
import { KEYV_OPTIONS } from '../../../src/l2-client/keyv-client';
import { memoryL2Client } from '../../../src/l2-client/memory';
import { type Backend, versionWritesContract } from '../../helpers/version-writes-suite';

/** The in-process L2: the same contract as Redis (test/integration/version-writes.test.ts), on the in-memory L2 client. */
describe('version writes on the memory L2', () => {
  versionWritesContract(
    async (name) => {
      const kv = new Keyv(KEYV_OPTIONS);
      const map = kv.store as Map<string, string>;
      const expiresOf = (key: string) => {
        const text = map.get(key);
        return text === undefined ? undefined : (JSON.parse(text) as { expires?: number }).expires;
      };
      const backend: Backend = {
        client: memoryL2Client(kv),
        prefix: `${name}:`,
        raw: {
          get: async (key) => map.get(key),
          // Records get Keyv's expiry, the Map's only one; text that is no JSON is stored as it is.
          put: async (key, text, ttlMs) => void map.set(key, isJson(text) ? JSON.stringify({ ...(JSON.parse(text) as object), expires: Date.now() + ttlMs }) : text),
          pttl: async (key) => {
            if (!map.has(key)) return -2;
            const expires = expiresOf(key);
            return expires === undefined ? -1 : expires - Date.now();
          },
          now: async () => Date.now(),
        },
      };
      return backend;
    },
    async (backend) => backend.client.close(),
  );
});

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
