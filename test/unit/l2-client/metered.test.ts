import Keyv from 'keyv';
import { Registry } from 'prom-client';
import { meteredKeyv } from '../../../src/l2-client/metered';
import { createMetrics } from '../../../src/observability/metrics';

async function value(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? []).filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((t, v) => t + v.value, 0);
}

describe('meteredKeyv', () => {
  it('times each operation and passes results through', async () => {
    const registry = new Registry();
    const kv = meteredKeyv(new Keyv(), createMetrics(registry), 50);
    await kv.set('a', 1);
    expect(await kv.getMany(['a', 'b'])).toEqual([1, undefined]);
    expect(await value(registry, 'authz_l2_operation_duration_seconds', { operation: 'get_many' })).toBeGreaterThan(0);
    expect(await value(registry, 'authz_l2_errors_total', {})).toBe(0);
  });

  it('counts a rejection as an error and rethrows it', async () => {
    const registry = new Registry();
    const failing = { getMany: () => Promise.reject(new Error('ECONNREFUSED')) } as unknown as Keyv;
    const kv = meteredKeyv(failing, createMetrics(registry), 50);
    await expect(kv.getMany(['a'])).rejects.toThrow('ECONNREFUSED');
    expect(await value(registry, 'authz_l2_errors_total', { operation: 'get_many', reason: 'error' })).toBe(1);
  });

  it('counts a call still running at the deadline as a timeout, even if it never settles', async () => {
    jest.useFakeTimers();
    try {
      const registry = new Registry();
      const hanging = { get: () => new Promise(() => undefined) } as unknown as Keyv;
      void meteredKeyv(hanging, createMetrics(registry), 50).get('a');
      jest.advanceTimersByTime(49);
      expect(await value(registry, 'authz_l2_errors_total', { reason: 'timeout' })).toBe(0);
      jest.advanceTimersByTime(1);
      expect(await value(registry, 'authz_l2_errors_total', { operation: 'get', reason: 'timeout' })).toBe(1);
    } finally {
      jest.useRealTimers();
    }
  });
});
