import { StoreUnavailableError } from '../../../src/authz/errors';
import { RequestDeadlineSource } from '../../../src/deadline/request-deadline';
import { FakeSource } from '../../helpers/fake-source';

/** A next layer that never answers. */
const never = Object.assign(new FakeSource(), { respond: () => new Promise<never>(() => undefined) });

test('a load still running at the deadline fails as unavailable', async () => {
  const source = new RequestDeadlineSource(never, 20);
  await expect(source.load([{ userId: 'u', orgId: 'o' }])).rejects.toBeInstanceOf(StoreUnavailableError);
});

test('the deadline is per request: a later load gets only the time left, none once it passed', async () => {
  let now = 1_000;
  const fast = new FakeSource();
  const source = new RequestDeadlineSource(fast, 100, () => now);
  await expect(source.load([{ userId: 'u', orgId: 'o' }])).resolves.toHaveLength(1);
  now += 100;
  await expect(source.load([{ userId: 'u', orgId: 'o' }])).rejects.toThrow(/AUTHZ_REQUEST_TIMEOUT_MS/);
});

test('errors of the next layer pass through unchanged', async () => {
  const failing = Object.assign(new FakeSource(), { respond: () => Promise.reject(new StoreUnavailableError('db down')) });
  await expect(new RequestDeadlineSource(failing, 1_000).load([{ userId: 'u', orgId: 'o' }])).rejects.toThrow('db down');
});
