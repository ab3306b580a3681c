import { Client } from 'pg';
import type { PrismaClient } from './generated/prisma/client';

/** The NOTIFY channel of the change log (payload: nothing; listeners read the table). */
export const CHANGE_CHANNEL = 'authz_policy_changes';

/** What one committed change made stale in one organization. */
export interface PolicyChangeRecord {
  readonly orgId: string;
  /** The organization's revision after the change. */
  readonly revision: number;
  /** Members whose own sets changed; ignored when `wholeOrg`. */
  readonly userIds: readonly string[];
  /** Every member's set may have changed. */
  readonly wholeOrg: boolean;
}

/** A row of the change log, as readers see it. */
export interface LoggedChange extends PolicyChangeRecord {
  readonly id: string;
}

/**
 * What every transaction that changes policy does just before it commits and right
 * after (mutations and imports alike; see src/revocation/change-gate.ts). `fence` throws to
 * roll the transaction back: the change must not commit when it cannot be made safe.
 */
export interface ChangeGate {
  /** `changes` carry their change-log IDs, which the fence marks its keys with. */
  fence(changes: readonly LoggedChange[]): Promise<void>;
  /** After the commit; never throws. */
  committed(changes: readonly LoggedChange[]): Promise<void>;
}

type Sql = Pick<PrismaClient, '$queryRawUnsafe'>;

/**
 * Inside a change's transaction: takes the change-log IDs (a sequence: never reused,
 * even by a rolled-back change), runs the gate's fence with them, then writes the rows
 * and the NOTIFY (both take effect only on commit). The fence comes before the insert,
 * so nothing the transaction does after the fence can wait on a lock but the COMMIT.
 * Returns the rows for `committed`.
 */
export async function publishInTransaction(tx: Sql, changes: readonly PolicyChangeRecord[], gate: ChangeGate | null): Promise<LoggedChange[]> {
  if (changes.length === 0) return [];
  const ids = await tx.$queryRawUnsafe<Array<{ id: string }>>(
    `SELECT nextval(pg_get_serial_sequence('policy_changes', 'id'))::text AS id FROM generate_series(1, $1::int)`,
    changes.length,
  );
  const logged = changes.map((c, i) => ({ ...c, id: ids[i]!.id }));
  if (gate) await gate.fence(logged);
  await tx.$queryRawUnsafe(
    `WITH c AS (
       INSERT INTO policy_changes (id, org_id, revision, user_ids, whole_org, xid)
       SELECT x.id, x.org_id, x.revision, string_to_array(x.users, chr(31)), x.whole_org, pg_current_xact_id()::text::bigint
         FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::bool[]) AS x(id, org_id, revision, users, whole_org)
       RETURNING id
     )
     SELECT count(*)::int AS n, pg_notify('${CHANGE_CHANNEL}', '')::text AS notified FROM c`,
    logged.map((c) => c.id),
    changes.map((c) => c.orgId),
    changes.map((c) => c.revision),
    // Arrays of arrays must be rectangular in PostgreSQL: users go in joined by a
    // control character that IDs cannot contain (see src/authz/identifiers.ts).
    changes.map((c) => (c.wholeOrg ? '' : c.userIds.join('\u001f'))),
    changes.map((c) => c.wholeOrg),
  );
  return logged;
}

/** A read of the change log and where the next read starts. */
export interface ChangeBatch {
  readonly changes: LoggedChange[];
  /** Opaque; pass it to the next read. */
  readonly cursor: string;
}

/**
 * Committed changes not seen by the read that returned `cursor` (some may be returned
 * again: consumers are idempotent), or with no cursor those of the last `windowMs`. The
 * cursor is the oldest transaction still open at this read: a transaction that commits
 * later has an ID at least that, so a row committed out of id order is never skipped.
 */
export async function readChanges(db: Sql, cursor: string | null, windowMs: number): Promise<ChangeBatch> {
  const rows = await db.$queryRawUnsafe<Array<{ xmin: string; changes: Array<{ id: string; o: string; r: number; u: string[] | null; w: boolean }> | string | null }>>(
    `SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin,
            (SELECT json_agg(json_build_object('id', id::text, 'o', org_id, 'r', revision, 'u', user_ids, 'w', whole_org) ORDER BY id)
               FROM policy_changes
              WHERE ${cursor === null ? `created_at > now() - make_interval(secs => $1::float8 / 1000)` : 'xid >= $1::bigint'}) AS changes`,
    cursor === null ? windowMs : cursor,
  );
  const row = rows[0]!;
  const list = typeof row.changes === 'string' ? (JSON.parse(row.changes) as Exclude<typeof row.changes, string>) : row.changes;
  return {
    cursor: row.xmin,
    changes: (list ?? []).map((c) => ({ id: c.id, orgId: c.o, revision: c.r, userIds: c.u ?? [], wholeOrg: c.w })),
  };
}

/** Deletes rows older than `olderThanMs` (no reader needs them past the L2 window). */
export async function pruneChanges(db: Pick<PrismaClient, '$executeRawUnsafe'>, olderThanMs: number): Promise<number> {
  return db.$executeRawUnsafe(`DELETE FROM policy_changes WHERE created_at < now() - make_interval(secs => $1::float8 / 1000)`, olderThanMs);
}

/** A LISTEN session; `close` ends it. */
export interface ChangeListener {
  close(): Promise<void>;
}

/**
 * LISTENs on the change channel on a dedicated connection (a pooled one cannot hold a
 * LISTEN). `onNotify` runs for every committed change; `onDown` once when the
 * connection fails (the caller reconnects). Resolves once LISTEN took effect.
 */
export async function listenForChanges(url: string, onNotify: () => void, onDown: (error: unknown) => void): Promise<ChangeListener> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000, keepAlive: true });
  let down = false;
  const fail = (error: unknown) => {
    if (down) return;
    down = true;
    onDown(error);
    void client.end().catch(() => undefined);
  };
  client.on('error', fail);
  client.on('end', () => fail(new Error('the change-log listener connection ended')));
  client.on('notification', () => onNotify());
  try {
    await client.connect();
    await client.query(`LISTEN ${CHANGE_CHANNEL}`);
  } catch (error) {
    down = true;
    await client.end().catch(() => undefined);
    throw error;
  }
  return {
    close: async () => {
      // Once down, the connection was already ended (a second end() may never settle).
      if (down) return;
      down = true;
      await client.end().catch(() => undefined);
    },
  };
}
