import { Registry } from 'prom-client';
import { BoundedL2Client } from '../../../src/l2-client/bounded';
import { openMemoryL2 } from '../../../src/l2-client/memory';
import { MeteredL2Client } from '../../../src/l2-client/metered';
import { createMetrics } from '../../../src/observability/metrics';
import { failing, hanging, l2ClientWith } from '../../helpers/l2-client-faults';

const create = { kind: 'create', key: 'v', token: 'token', ttlMs: 60_000, replaceJunk: false } as const;

async function value(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? []).filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((t, v) => t + v.value, 0);
}

describe('MeteredL2Client', () => {
  it('times each operation, version writes included, and passes results through', async () => {
    const registry = new Registry();
    const client = new MeteredL2Client(openMemoryL2().client, createMetrics(registry));
    await client.setMany([{ key: 'a', value: 1 }]);
    expect(await client.getMany(['a', 'b'])).toEqual([1, undefined]);
    expect(await client.writeVersions([create])).toEqual(['token']);
    for (const operation of ['get_many', 'set_many', 'write_versions']) {
      expect(await value(registry, 'authz_l2_operation_duration_seconds', { operation })).toBeGreaterThan(0);
    }
    expect(await value(registry, 'authz_l2_errors_total', {})).toBe(0);
  });

  it('counts a rejection as an error and rethrows it', async () => {
    const registry = new Registry();
    const client = new MeteredL2Client(l2ClientWith({ getMany: failing() }), createMetrics(registry));
    await expect(client.getMany(['a'])).rejects.toThrow('ECONNREFUSED');
    expect(await value(registry, 'authz_l2_errors_total', { operation: 'get_many', reason: 'error' })).toBe(1);
  });

  it('counts the deadline beneath it firing as a timeout, with no timer of its own', async () => {
    jest.useFakeTimers();
    try {
      const registry = new Registry();
      const client = new MeteredL2Client(new BoundedL2Client(l2ClientWith({ writeVersions: hanging() }), 50), createMetrics(registry));
      const call = client.writeVersions([create]);
      const outcome = call.catch((error: unknown) => error);
      expect(jest.getTimerCount()).toBe(1); // the deadline's, and no other
      jest.advanceTimersByTime(49);
      expect(await value(registry, 'authz_l2_errors_total', { reason: 'timeout' })).toBe(0);
      jest.advanceTimersByTime(1);
      expect(await outcome).toMatchObject({ name: 'DeadlineExceededError' });
      expect(await value(registry, 'authz_l2_errors_total', { operation: 'write_versions', reason: 'timeout' })).toBe(1);
    } finally {
      jest.useRealTimers();
    }
  });
});
