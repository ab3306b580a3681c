import type { PermissionSnapshot } from '../../src/authz/types';
import type { LoadedSet, PermissionSetSource } from '../../src/source/types';
import type { PrismaClient } from '../../src/store/generated/prisma/client';
import { seed } from '../helpers/policy';

/** What every contract test gets: the database, its store, and a store whose database is gone. */
export interface SourceWorld {
  readonly prisma: PrismaClient;
  /** PostgresPermissionStore on the test database: the reference answers. */
  readonly store: PermissionSetSource;
  /** PostgresPermissionStore on a database that does not exist: every load fails. */
  readonly broken: PermissionSetSource;
}

export interface SourceSubject {
  /**
   * Builds the layer (or chain) under test over `next`. A subject that builds its own
   * store (the gateway's composed chain) ignores `next` and says so with `ownStore`.
   */
  build(next: PermissionSetSource, world: SourceWorld): Promise<{ source: PermissionSetSource; close?(): Promise<void> }>;
  ownStore?: boolean;
}

let orgs = 0;
/** An organization of its own for one test, so cached answers of other tests never meet it. */
async function freshOrg(prisma: PrismaClient): Promise<string> {
  const org = `contract-${process.pid}-${++orgs}`;
  await seed(prisma, {
    organizations: [{ id: org, name: org }],
    roles: [
      { orgId: org, name: 'editor', permissions: ['document:*'] },
      { orgId: org, name: 'viewer', permissions: ['*:read'] },
    ],
    memberships: [
      { userId: 'ann', orgId: org, roles: ['editor'] },
      { userId: 'bob', orgId: org, roles: ['viewer'] },
    ],
  });
  return org;
}

const snapshots = (loaded: Array<LoadedSet | Error>): Array<PermissionSnapshot | Error> => loaded.map((r) => (r instanceof Error ? r : r.snapshot));

/**
 * The contract of PermissionSetSource (src/source/types.ts), run against every layer of
 * the decision chain and against the chain as composed: answers aligned with the
 * requests and equal to the store's, `fresh` and `minRevision` honoured, failures never
 * turned into answers.
 */
export function permissionSetSourceContract(name: string, world: () => SourceWorld, subject: SourceSubject): void {
  describe(`PermissionSetSource contract: ${name}`, () => {
    const open = async (next?: PermissionSetSource) => subject.build(next ?? world().store, world());

    it('answers every request in order, duplicates and strangers included, as the store does', async () => {
      const org = await freshOrg(world().prisma);
      const requests = [
        { userId: 'bob', orgId: org },
        { userId: 'nobody', orgId: org },
        { userId: 'ann', orgId: org },
        { userId: 'ann', orgId: 'no-such-org' },
        { userId: 'bob', orgId: org },
      ];
      const expected = snapshots(await world().store.load(requests));
      const layer = await open();
      try {
        const loaded = await layer.source.load(requests);
        expect(loaded).toHaveLength(requests.length);
        expect(snapshots(loaded)).toEqual(expected);
        for (const r of loaded) expect(r).toMatchObject({ status: expect.stringMatching(/^(L1_HIT|L2_HIT|MISS|DISABLED|DEGRADED)$/), revision: expect.any(Number) });
        // Asked again (now possibly cached): the same answers.
        expect(snapshots(await layer.source.load(requests))).toEqual(expected);
        expect(await layer.source.load([])).toEqual([]);
      } finally {
        await layer.close?.();
      }
    });

    it('a fresh request sees a change committed after a cached answer', async () => {
      const org = await freshOrg(world().prisma);
      const layer = await open();
      try {
        const [before] = await layer.source.load([{ userId: 'bob', orgId: org }]);
        expect((before as LoadedSet).snapshot.roles).toEqual(['viewer']);
        await layer.source.load([{ userId: 'bob', orgId: org }]);
        // Changed in PostgreSQL behind every cache's back (no invalidation).
        await seed(world().prisma, { memberships: [{ userId: 'bob', orgId: org, roles: ['editor'] }] });
        const [after] = await layer.source.load([{ userId: 'bob', orgId: org, fresh: true }]);
        expect((after as LoadedSet).snapshot.roles).toEqual(['editor']);
      } finally {
        await layer.close?.();
      }
    });

    it('an answer for a request with minRevision reflects at least that revision', async () => {
      const org = await freshOrg(world().prisma);
      const layer = await open();
      try {
        const [first] = (await layer.source.load([{ userId: 'ann', orgId: org }])) as LoadedSet[];
        await seed(world().prisma, { memberships: [{ userId: 'ann', orgId: org, roles: ['viewer'] }] });
        const [current] = (await world().store.load([{ userId: 'ann', orgId: org }])) as LoadedSet[];
        expect(current!.revision).toBeGreaterThan(first!.revision);
        const [answer] = (await layer.source.load([{ userId: 'ann', orgId: org, minRevision: current!.revision }])) as LoadedSet[];
        expect(answer!.revision).toBeGreaterThanOrEqual(current!.revision);
        expect(answer!.snapshot).toEqual(current!.snapshot);
      } finally {
        await layer.close?.();
      }
    });

    if (!subject.ownStore) {
      it('a failing store is never an answer: the load rejects or the entry is an Error', async () => {
        const org = await freshOrg(world().prisma);
        const failing = await open(world().broken);
        try {
          const outcome = await failing.source.load([{ userId: 'ann', orgId: org }]).then(
            (loaded) => loaded,
            (error: unknown) => [error as Error],
          );
          expect(outcome).toHaveLength(1);
          expect(outcome[0]).toBeInstanceOf(Error);
        } finally {
          await failing.close?.();
        }
      });
    }
  });
}
