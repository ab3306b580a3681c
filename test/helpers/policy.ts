import type { PrismaClient } from '../../src/store/generated/prisma/client';
import { parsePolicyFile } from '../../src/store/policy-file';
import { importPolicy } from '../../src/store/policy-import';

/** Loads a policy (the import file format) through the real importer. */
export async function seed(prisma: PrismaClient, policy: unknown): Promise<void> {
  await importPolicy(prisma, parsePolicyFile(policy));
}
