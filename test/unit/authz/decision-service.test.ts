import { DecisionService, type CheckRequest, type PermissionReader } from '../../../src/authz/decision-service';
import { InvalidInputError } from '../../../src/authz/errors';
import type { CacheStatus, PermissionSnapshot, Subject } from '../../../src/authz/types';

const NOW = 1_700_000_000_000;

/** A reader over a fixed table of snapshots, keyed `user/org`, that records every load. */
function fakeReader(table: Record<string, PermissionSnapshot>, status: CacheStatus = 'MISS') {
  const calls: Subject[] = [];
  const reader: PermissionReader = {
    async load(subject) {
      calls.push({ userId: subject.userId, orgId: subject.orgId });
      const snapshot = table[`${subject.userId}/${subject.orgId}`] ?? { member: false, roles: [], rolePatterns: [], grants: [] };
      return { snapshot, status };
    },
  };
  return { reader, calls };
}

const table: Record<string, PermissionSnapshot> = {
  'alice/acme': {
    member: true,
    roles: ['editor', 'viewer'],
    rolePatterns: ['doc:*'],
    grants: [
      { pattern: 'billing:read', expiresAt: NOW + 1000 },
      { pattern: 'billing:write', expiresAt: NOW },
    ],
  },
  'bob/acme': { member: false, roles: ['ghost'], rolePatterns: ['*:*'], grants: [] },
};

const service = () => new DecisionService({ maxChecks: 5, now: () => NOW });
const check = (userId: string, permission: string, orgId = 'acme'): CheckRequest => ({ userId, orgId, permission });

describe('DecisionService.can', () => {
  it('allows through a role wildcard and reports the reader status', async () => {
    const { reader, calls } = fakeReader(table, 'L2_HIT');
    const observed: CacheStatus[] = [];
    const result = await service().can(reader, check('alice', 'doc:delete'), (s) => observed.push(s));
    expect(result).toEqual({ userId: 'alice', orgId: 'acme', permission: 'doc:delete', allowed: true, cacheStatus: 'L2_HIT' });
    expect(calls).toEqual([{ userId: 'alice', orgId: 'acme' }]);
    expect(observed).toEqual(['L2_HIT']);
  });

  it('honours grant expiry using the injected clock', async () => {
    const { reader } = fakeReader(table);
    expect((await service().can(reader, check('alice', 'billing:read'))).allowed).toBe(true);
    expect((await service().can(reader, check('alice', 'billing:write'))).allowed).toBe(false);
  });

  it('denies non-members and unknown subjects', async () => {
    const { reader } = fakeReader(table);
    expect((await service().can(reader, check('bob', 'doc:read'))).allowed).toBe(false);
    expect((await service().can(reader, check('nobody', 'doc:read'))).allowed).toBe(false);
  });

  it.each(['doc:*', '*:read', 'Doc:read', 'doc', 'a:b:c'])('rejects permission %s without loading', async (permission) => {
    const { reader, calls } = fakeReader(table);
    await expect(service().can(reader, check('alice', permission))).rejects.toBeInstanceOf(InvalidInputError);
    expect(calls).toHaveLength(0);
  });

  it('rejects a malformed user or org ID, naming the field', async () => {
    const { reader, calls } = fakeReader(table);
    await expect(service().can(reader, check('', 'doc:read'))).rejects.toThrow(/userId must not be empty/);
    await expect(service().can(reader, check('alice', 'doc:read', 'ac\nme'))).rejects.toThrow(/orgId must contain only printable/);
    expect(calls).toHaveLength(0);
  });
});

describe('DecisionService.permissions', () => {
  it('lists effective patterns and roles for a member', async () => {
    const { reader } = fakeReader(table, 'L1_HIT');
    const observed: CacheStatus[] = [];
    const result = await service().permissions(reader, { userId: 'alice', orgId: 'acme' }, (s) => observed.push(s));
    expect(result).toEqual({
      userId: 'alice',
      orgId: 'acme',
      permissions: ['billing:read', 'doc:*'],
      roles: ['editor', 'viewer'],
      cacheStatus: 'L1_HIT',
    });
    expect(observed).toEqual(['L1_HIT']);
  });

  it('gives a non-member no permissions and no roles even if the snapshot lists some', async () => {
    const { reader } = fakeReader(table);
    const result = await service().permissions(reader, { userId: 'bob', orgId: 'acme' });
    expect(result.permissions).toEqual([]);
    expect(result.roles).toEqual([]);
  });

  it('rejects an invalid subject without loading', async () => {
    const { reader, calls } = fakeReader(table);
    await expect(service().permissions(reader, { userId: 'alice', orgId: '' })).rejects.toBeInstanceOf(InvalidInputError);
    expect(calls).toHaveLength(0);
  });
});

describe('DecisionService.checks', () => {
  it('answers in request order', async () => {
    const { reader } = fakeReader(table);
    const requests = [check('bob', 'doc:read'), check('alice', 'doc:read'), check('alice', 'billing:write'), check('alice', 'billing:read')];
    const results = await service().checks(reader, requests);
    expect(results.map((r) => [r.userId, r.permission, r.allowed])).toEqual([
      ['bob', 'doc:read', false],
      ['alice', 'doc:read', true],
      ['alice', 'billing:write', false],
      ['alice', 'billing:read', true],
    ]);
  });

  it('decides duplicates once and shares the answer', async () => {
    const { reader, calls } = fakeReader(table);
    const observed: CacheStatus[] = [];
    const requests = [check('alice', 'doc:read'), check('bob', 'doc:read'), check('alice', 'doc:read'), check('alice', 'doc:read')];
    const results = await service().checks(reader, requests, (s) => observed.push(s));
    expect(results).toHaveLength(4);
    expect(results[2]).toEqual(results[0]);
    expect(results[3]).toEqual(results[0]);
    expect(calls).toEqual([{ userId: 'alice', orgId: 'acme' }, { userId: 'bob', orgId: 'acme' }]);
    expect(observed).toHaveLength(2);
  });

  it('returns an empty list for no requests', async () => {
    const { reader, calls } = fakeReader(table);
    await expect(service().checks(reader, [])).resolves.toEqual([]);
    expect(calls).toHaveLength(0);
  });

  it('accepts exactly maxChecks and rejects one more with path "requests"', async () => {
    const { reader, calls } = fakeReader(table);
    const five = Array.from({ length: 5 }, (_, i) => check(`u${i}`, 'doc:read'));
    await expect(service().checks(reader, five)).resolves.toHaveLength(5);
    calls.length = 0;
    const error = await service().checks(reader, [...five, check('u5', 'doc:read')]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).path).toBe('requests');
    expect((error as Error).message).toMatch(/at most 5 checks per call \(got 6\)/);
    expect(calls).toHaveLength(0);
  });

  it('fails the whole call on an invalid entry, naming its index, before loading anything', async () => {
    const { reader, calls } = fakeReader(table);
    const requests = [check('alice', 'doc:read'), check('bob', 'doc:read'), check('alice', 'doc:write'), check('alice', 'doc:*')];
    const error = await service().checks(reader, requests).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).path).toBe('requests[3]');
    expect((error as Error).message).toContain('requests[3]');
    expect(calls).toHaveLength(0);
  });
});
