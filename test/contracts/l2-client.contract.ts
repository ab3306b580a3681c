import { randomBytes } from 'node:crypto';
import { CORRUPT, MAX_STORED_CHARS, OversizeValue } from '../../src/l2-client/stored-form';
import type { L2Client } from '../../src/l2-client/types';

/** One implementation (or composition) of L2Client under test, and how to reach beneath it. */
export interface L2ClientSubject {
  /** Opens the client; every test gets a fresh key prefix, so clients may share a store. */
  open(): Promise<L2Client>;
  /** Writes raw text under `key` behind the client's back (Redis only: memory holds no text). */
  writeRaw?(key: string, text: string): Promise<void>;
}

/** Waits until `check` holds, polling every 10 ms for at most `boundMs`. */
async function eventually(check: () => Promise<boolean>, boundMs: number, what: string): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${boundMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * The contract every L2Client keeps (src/l2-client/types.ts), run against each
 * implementation and each composition of decorators, as Keyv's storage adapters share
 * one test suite.
 */
export function l2ClientContract(name: string, subject: L2ClientSubject): void {
  describe(`L2Client contract: ${name}`, () => {
    let client: L2Client;
    let prefix: string;
    const key = (k: string) => `${prefix}${k}`;

    beforeAll(async () => {
      client = await subject.open();
    });
    afterAll(async () => {
      await client?.close();
    });
    beforeEach(() => {
      prefix = `contract:${randomBytes(6).toString('hex')}:`;
    });

    it('getMany answers every key in order, undefined where absent; no keys, no values', async () => {
      expect(await client.getMany([])).toEqual([]);
      expect(await client.getMany([key('a'), key('b')])).toEqual([undefined, undefined]);
    });

    it('setMany stores values that getMany reads back as JSON round-trips them, duplicates included', async () => {
      const value = { v: 3, fence: 'o/p', roles: ['r'], grants: [['a:b', null]] };
      await client.setMany([
        { key: key('obj'), value, ttl: 60_000 },
        { key: key('str'), value: 'token_1-A' },
        { key: key('num'), value: 7, ttl: 60_000 },
      ]);
      expect(await client.getMany([key('str'), key('obj'), key('missing'), key('num'), key('str')])).toEqual(['token_1-A', value, undefined, 7, 'token_1-A']);
    });

    it('setMany overwrites what a key held', async () => {
      await client.setMany([{ key: key('k'), value: 'one' }]);
      await client.setMany([{ key: key('k'), value: 'two' }]);
      expect(await client.getMany([key('k')])).toEqual(['two']);
    });

    it('a value written with a TTL is gone once the TTL has passed', async () => {
      await client.setMany([{ key: key('short'), value: 'x', ttl: 30 }, { key: key('long'), value: 'y', ttl: 60_000 }]);
      await eventually(async () => (await client.getMany([key('short')]))[0] === undefined, 5_000, 'the 30 ms value expires');
      expect(await client.getMany([key('long')])).toEqual(['y']);
    });

    const create = (k: string, token: string, ttlMs = 60_000, replaceJunk = false) => ({ kind: 'create' as const, key: key(k), token, ttlMs, replaceJunk });

    it('writeVersions creates absent versions, keeps tokens and pending markers, and says what each key holds', async () => {
      await client.setMany([{ key: key('held'), value: 'theirs', ttl: 60_000 }, { key: key('pending'), value: '', ttl: 60_000 }]);
      expect(await client.writeVersions([create('new', 'ours1'), create('held', 'ours2'), create('pending', 'ours3')])).toEqual(['ours1', 'theirs', null]);
      expect(await client.getMany([key('new'), key('held'), key('pending')])).toEqual(['ours1', 'theirs', '']);
    });

    it('writeVersions replaces junk only when asked to', async () => {
      await client.setMany([{ key: key('junk'), value: { not: 'a token' }, ttl: 60_000 }]);
      expect(await client.writeVersions([create('junk', 'fresh')])).toEqual([null]);
      expect(await client.getMany([key('junk')])).toEqual([{ not: 'a token' }]);
      expect(await client.writeVersions([create('junk', 'fresh', 60_000, true)])).toEqual(['fresh']);
      expect(await client.getMany([key('junk')])).toEqual(['fresh']);
    });

    it('a fence makes a key pending until its change settles it (the rules of version-writes.ts)', async () => {
      await client.writeVersions([create('v', 'before')]);
      expect(await client.writeVersions([{ kind: 'fence', key: key('v'), changeId: '7', pendingMs: 60_000 }])).toEqual([null]);
      expect(await client.getMany([key('v')])).toEqual(['']);
      expect(await client.writeVersions([create('v', 'reader'), { kind: 'refresh', key: key('v'), token: 'probe', ttlMs: 60_000 }])).toEqual([null, null]);
      expect(await client.writeVersions([{ kind: 'settle', key: key('v'), changeId: '7', token: 'after', ttlMs: 60_000, always: true }])).toEqual(['after']);
      expect(await client.getMany([key('v')])).toEqual(['after']);
    });

    it('a version created with a TTL expires', async () => {
      await client.writeVersions([create('v', 'token', 30)]);
      await eventually(async () => (await client.getMany([key('v')]))[0] === undefined, 5_000, 'the 30 ms version expires');
    });

    if (subject.writeRaw) {
      it('stored text that is not ours is a value the L2 layer refuses, never a failed batch', async () => {
        await subject.writeRaw!(key('corrupt'), 'not json {');
        await subject.writeRaw!(key('huge'), 'x'.repeat(MAX_STORED_CHARS + 1));
        await client.setMany([{ key: key('ok'), value: 'fine' }]);
        const [corrupt, huge, ok] = await client.getMany([key('corrupt'), key('huge'), key('ok')]);
        expect(corrupt).toEqual(CORRUPT);
        expect(huge).toBeInstanceOf(OversizeValue);
        expect(ok).toBe('fine');
        // A version write finds junk there: no token, and the text stays.
        expect(await client.writeVersions([create('corrupt', 'ours')])).toEqual([null]);
        expect((await client.getMany([key('corrupt')]))[0]).toEqual(CORRUPT);
      });
    }

    it('ping answers', async () => {
      await expect(client.ping()).resolves.toBeUndefined();
    });
  });
}
