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

    it('setIfAbsent creates absent keys, keeps present ones and says what each held', async () => {
      await client.setMany([{ key: key('held'), value: 'theirs' }, { key: key('pending'), value: '' }]);
      const previous = await client.setIfAbsent([
        { key: key('new'), value: 'ours-1', ttl: 60_000 },
        { key: key('held'), value: 'ours-2', ttl: 60_000 },
        { key: key('pending'), value: 'ours-3' },
      ]);
      expect(previous).toEqual([undefined, 'theirs', '']);
      expect(await client.getMany([key('new'), key('held'), key('pending')])).toEqual(['ours-1', 'theirs', '']);
    });

    it('setIfAbsent with `replace` overwrites whatever the key held', async () => {
      await client.setMany([{ key: key('junk'), value: { not: 'a token' } }]);
      expect(await client.setIfAbsent([{ key: key('junk'), value: 'fresh', ttl: 60_000, replace: true }])).toEqual([undefined]);
      expect(await client.getMany([key('junk')])).toEqual(['fresh']);
    });

    it('a version created with a TTL expires', async () => {
      await client.setIfAbsent([{ key: key('v'), value: 'token', ttl: 30 }]);
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
        // And what setIfAbsent finds there is reported the same way, and kept.
        expect(await client.setIfAbsent([{ key: key('corrupt'), value: 'ours' }])).toEqual([CORRUPT]);
      });
    }

    it('ping answers', async () => {
      await expect(client.ping()).resolves.toBeUndefined();
    });
  });
}
