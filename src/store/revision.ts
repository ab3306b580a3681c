import type { PrismaClient } from './generated/prisma/client';

/**
 * Bumps an organization's revision inside the caller's transaction and returns the new
 * one, or null when the organization does not exist. The UPDATE locks the row, so
 * changes to one organization (mutations and imports alike) commit in revision order.
 */
export async function bumpRevision(db: Pick<PrismaClient, '$queryRawUnsafe'>, orgId: string): Promise<number | null> {
  const rows = await db.$queryRawUnsafe<Array<{ revision: number }>>(
    'UPDATE organizations SET revision = revision + 1, updated_at = now() WHERE id = $1 RETURNING revision',
    orgId,
  );
  return rows.length === 0 ? null : Number(rows[0]!.revision);
}
