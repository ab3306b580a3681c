import pino from 'pino';
import { ChangeFeed, type FeedChange } from '../../../src/revocation/change-feed';
import { RevisionFloors } from '../../../src/revocation/revision-floor';
import { waitFor } from '../../helpers/wait-for';

/** Revision floors and the change feed that raises them, with a hand-written change log. */

const logger = pino({ level: 'silent' });
const alice = { userId: 'alice', orgId: 'acme' };
const bob = { userId: 'bob', orgId: 'acme' };

describe('RevisionFloors', () => {
  it('raises per subject and per organization, keeps the maximum, and forgets after keepMs', () => {
    let now = 1_000;
    const floors = new RevisionFloors({ keepMs: 100, now: () => now });
    expect(floors.minRevision(alice)).toBe(0);
    floors.raise({ orgId: 'acme', revision: 5, userIds: ['alice'], wholeOrg: false });
    floors.raise({ orgId: 'acme', revision: 3, userIds: ['alice'], wholeOrg: false });
    expect(floors.minRevision(alice)).toBe(5);
    expect(floors.minRevision(bob)).toBe(0);
    floors.raise({ orgId: 'acme', revision: 7, userIds: [], wholeOrg: true });
    expect(floors.minRevision(bob)).toBe(7);
    expect(floors.minRevision({ userId: 'alice', orgId: 'other' })).toBe(0);
    expect(floors.targets()).toEqual({ subjects: [alice], orgIds: ['acme'] });
    now += 100;
    expect(floors.size).toBe(2);
    floors.prune();
    expect(floors.size).toBe(0);
    expect(floors.minRevision(alice)).toBe(0);
  });
});

describe('ChangeFeed', () => {
  function setup(batches: Array<FeedChange[] | Error>, redisEpoch?: () => number) {
    let now = 10_000;
    const reads: Array<string | null> = [];
    const reinvalidated: unknown[] = [];
    const floors = new RevisionFloors({ keepMs: 60_000, now: () => now });
    const feed = new ChangeFeed(floors, {
      read: async (cursor) => {
        reads.push(cursor);
        const next = batches.shift() ?? [];
        if (next instanceof Error) throw next;
        return { changes: next, cursor: `c${reads.length}` };
      },
      l2: { settle: async (changes) => void reinvalidated.push(changes), invalidate: async (target) => void reinvalidated.push(target) },
      windowMs: 60_000,
      pollMs: 60_000,
      maxLagMs: 1_000,
      redisEpoch,
      logger,
      now: () => now,
    });
    return { feed, floors, reads, reinvalidated, advance: (ms: number) => (now += ms) };
  }
  const change = (id: string, revision: number, userIds: string[]): FeedChange => ({ id, orgId: 'acme', revision, userIds, wholeOrg: false });

  it('serves no hits until the change log was read, and again none once reads stop for maxLagMs', async () => {
    const { feed, advance } = setup([new Error('database down'), []]);
    await feed.start();
    expect(feed.live).toBe(false);
    await feed.poll();
    expect(feed.live).toBe(true);
    advance(1_001);
    expect(feed.live).toBe(false);
    await feed.stop();
  });

  it('past maxLagMs keeps serving hits while Redis has not failed since the last read (its fences stand), and stops at its first failure', async () => {
    let failures = 0;
    const { feed, advance } = setup([[]], () => failures);
    await feed.start();
    advance(60_000);
    expect(feed.live).toBe(true);
    failures++;
    expect(feed.live).toBe(false);
    await feed.poll();
    expect(feed.live).toBe(true);
    await feed.stop();
  });

  it('raises floors from what it reads, follows the cursor, and settles only changes another process made', async () => {
    const { feed, reads, reinvalidated } = setup([[], [change('1', 4, ['alice']), change('2', 5, ['bob'])]]);
    await feed.start();
    feed.committed([change('2', 5, ['bob'])]);
    expect(feed.minRevision(bob)).toBe(5);
    await feed.poll();
    expect(reads).toEqual([null, 'c1']);
    expect(feed.minRevision(alice)).toBe(4);
    await waitFor('the settle', () => reinvalidated.length > 0);
    // The change with its log ID: settling removes that change's pending marks only.
    expect(reinvalidated).toEqual([[change('1', 4, ['alice'])]]);
    await feed.stop();
  });

  it('re-invalidates every subject still under a floor on request (after a Redis outage)', async () => {
    const { feed, reinvalidated } = setup([[]]);
    await feed.start();
    feed.committed([change('1', 4, ['alice']), { id: '2', orgId: 'globex', revision: 2, userIds: [], wholeOrg: true }]);
    // A change rolled back after a failed fence raises no floor but is re-invalidated too.
    feed.aborted([{ orgId: 'acme', revision: 9, userIds: ['bob'], wholeOrg: false }]);
    expect(feed.minRevision(bob)).toBe(0);
    await feed.reinvalidateRecent();
    expect(reinvalidated).toEqual([{ subjects: [alice, bob], orgIds: ['globex'] }]);
    await feed.stop();
  });
});
