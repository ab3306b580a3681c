import KeyvRedis, { type KeyvRedisEntry, type RedisClusterType } from '@keyv/redis';
import calculateSlot from 'cluster-key-slot';

/**
 * `@keyv/redis` on a Redis Cluster, with one round trip per cluster node instead of
 * one command per hash slot.
 *
 * Why: KeyvRedis (5.1) groups a cluster `getMany` by *slot* and sends one MGET per
 * slot, and `setMany` one MULTI per slot. Our keys (`auth:perms:<user>:<org>`, version
 * keys) almost never share a slot, so a request reading 2n+1 keys sent 2n+1 commands.
 * Here keys are grouped by the master node owning their slot; each node gets one
 * pipeline (one write, one round trip) holding one MGET per slot (a multi-key command
 * must stay within one slot, CROSSSLOT otherwise) or one SET per entry.
 *
 * Writes are a pipeline, not a MULTI: a transaction cannot span slots, and no caller
 * needs atomicity across keys (every value carries its own fence, see l2-entry.ts, and
 * each version key invalidates on its own).
 *
 * Redirections: commands go straight to the node the client's slot map names, so a
 * MOVED/ASK reply (during resharding or failover) fails the call, which the L2 layer
 * treats as a miss (DEGRADED). The cluster client rediscovers the topology on its own.
 */
export class ClusterBatchingKeyvRedis extends KeyvRedis<string> {
  constructor(private readonly cluster: RedisClusterType, options: ConstructorParameters<typeof KeyvRedis>[1]) {
    super(cluster, options);
  }

  /** Values aligned with `keys`, undefined when absent. Throws on any failure (throwOnErrors). */
  override async getMany<U = string>(keys: string[]): Promise<Array<U | undefined>> {
    try {
      return (await this.mgetByNode(keys.map((key) => this.createKeyPrefix(key, this.namespace)))) as Array<U | undefined>;
    } catch (error) {
      this.emit('error', error);
      throw error;
    }
  }

  private async mgetByNode(keys: string[]): Promise<Array<string | undefined>> {
    const byNode = this.groupByNode(keys.map((key, index) => ({ key, index })));
    const values: Array<string | undefined> = new Array(keys.length);
    await Promise.all(
      [...byNode.values()].map(async ({ node, slots }) => {
        const client = await this.cluster.nodeClient(node);
        const pipeline = client.multi();
        const groups = [...slots.values()];
        for (const group of groups) pipeline.mGet(group.map((g) => g.key));
        const replies = (await pipeline.execAsPipeline()) as unknown as Array<Array<string | null>>;
        groups.forEach((group, g) => group.forEach(({ index }, k) => (values[index] = replies[g]![k] ?? undefined)));
      }),
    );
    return values;
  }

  /** One pipeline of `SET key value PX ttl` per node. Throws on any failure (throwOnErrors). */
  override async setMany(entries: KeyvRedisEntry<string>[]): Promise<void> {
    try {
      const byNode = this.groupByNode(entries.map((entry, index) => ({ key: this.createKeyPrefix(entry.key, this.namespace), index })));
      await Promise.all(
        [...byNode.values()].map(async ({ node, slots }) => {
          const client = await this.cluster.nodeClient(node);
          const pipeline = client.multi();
          for (const group of slots.values()) {
            for (const { key, index } of group) {
              const { value, ttl } = entries[index]!;
              if (ttl) pipeline.set(key, value, { PX: ttl });
              else pipeline.set(key, value);
            }
          }
          // execAsPipeline resolves with error replies in place; surface the first one.
          const replies = (await pipeline.execAsPipeline()) as unknown[];
          const failed = replies.find((r) => r instanceof Error);
          if (failed) throw failed;
        }),
      );
    } catch (error) {
      this.emit('error', error);
      throw error;
    }
  }

  /** node (by address) -> slot -> keys with their position in the caller's array. */
  private groupByNode(keys: Array<{ key: string; index: number }>) {
    type Node = RedisClusterType['masters'][number];
    const byNode = new Map<string, { node: Node; slots: Map<number, Array<{ key: string; index: number }>> }>();
    for (const item of keys) {
      const slot = calculateSlot(item.key);
      const node = this.cluster.slots[slot]?.master;
      if (!node) throw new Error(`Redis Cluster: no master known for slot ${slot}`);
      let entry = byNode.get(node.address);
      if (!entry) byNode.set(node.address, (entry = { node, slots: new Map() }));
      let group = entry.slots.get(slot);
      if (!group) entry.slots.set(slot, (group = []));
      group.push(item);
    }
    return byNode;
  }
}
