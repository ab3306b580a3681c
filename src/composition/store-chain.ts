import { PermissionLoader } from '../l1/permission-loader';
import { createCacheKeys } from '../l2/keys';
import type { PrismaClient } from '../store/generated/prisma/client';
import { PostgresPermissionStore } from '../store/permission-store';

/**
 * The decision chain without its shared caches: L1 straight over the store, on the
 * clock `now` (expired grants are left out as of then). For `npm run policy:test`, whose
 * answers must come from the policy as written, at each test's own time.
 */
export function storeOnlyChain(prisma: PrismaClient, options: { now: () => number }): { newLoader(): PermissionLoader } {
  const store = new PostgresPermissionStore(prisma, { now: options.now });
  const keys = createCacheKeys('policy-test:');
  return { newLoader: () => new PermissionLoader(store, keys, { cache: true }) };
}
