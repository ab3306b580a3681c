import { StoreUnavailableError } from '../../../src/authz/errors';
import { RequestDeadlineSource } from '../../../src/deadline/request-deadline';
import type { PermissionSetSource } from '../../../src/source/types';

const never: PermissionSetSource = { load: () => new Promise(() => undefined) };

test('a load still running at the deadline fails as unavailable', async () => {
  const source = new RequestDeadlineSource(never, 20);
  await expect(source.load([{ userId: 'u', orgId: 'o' }])).rejects.toBeInstanceOf(StoreUnavailableError);
});

test('the deadline is per request: a later load gets only the time left, none once it passed', async () => {
  let now = 1_000;
  const fast: PermissionSetSource = { load: async (r) => r.map(() => ({ snapshot: { member: false, roles: [], rolePatterns: [], grants: [] }, status: 'MISS' as const, revision: 1 })) };
  const source = new RequestDeadlineSource(fast, 100, () => now);
  await expect(source.load([{ userId: 'u', orgId: 'o' }])).resolves.toHaveLength(1);
  now += 100;
  await expect(source.load([{ userId: 'u', orgId: 'o' }])).rejects.toThrow(/AUTHZ_REQUEST_TIMEOUT_MS/);
});

test('errors of the next layer pass through unchanged', async () => {
  const failing: PermissionSetSource = { load: async () => Promise.reject(new StoreUnavailableError('db down')) };
  await expect(new RequestDeadlineSource(failing, 1_000).load([{ userId: 'u', orgId: 'o' }])).rejects.toThrow('db down');
});
