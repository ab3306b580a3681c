import type { L2Client } from './types';

export interface CoalescedReadsOptions {
  /**
   * Most distinct keys in one underlying `getMany` (one MGET); default 1,000. Callers are
   * packed whole: a call is never split, so a single call with more keys than this goes
   * alone in its own `getMany`, exactly as without coalescing.
   */
  maxKeys?: number;
  /**
   * Runs `flush` once the calls to coalesce have been made; default `setImmediate` (see
   * DEFAULT_SCHEDULE for why not DataLoader's "after the promise jobs").
   */
  schedule?: (flush: () => void) => void;
  /** Told, as each underlying `getMany` is sent, how many calls it carries (for metrics). */
  onBatch?: (calls: number) => void;
}

/**
 * The default flush: the check phase of the current event-loop turn, after every I/O
 * callback of its poll phase has run. DataLoader flushes after the current promise jobs
 * (`Promise.resolve().then(() => process.nextTick(fn))`), which gathers the loads of one
 * request; but Node drains the promise jobs and ticks after each socket's read callback,
 * before the next socket's, and a request gets from its read to its `getMany` on promise
 * jobs alone, so each request would flush alone. Concurrent requests whose data
 * arrived in the same poll phase meet here (docs/benchmarks.md has the figures). The
 * cost is at most the rest of the current turn, without a timer (the
 * loop does not wait in poll while an immediate is pending).
 */
const DEFAULT_SCHEDULE = (flush: () => void): void => void setImmediate(flush);

interface Caller {
  readonly keys: readonly string[];
  resolve(values: unknown[]): void;
  reject(error: unknown): void;
}

/**
 * One underlying getMany: its keys, and for each caller where its keys sit among them
 * (null: the caller's keys are the batch's keys, as they are).
 */
interface Batch {
  readonly keys: readonly string[];
  readonly callers: Array<{ caller: Caller; positions: number[] | null }>;
}

/**
 * `next` with the `getMany` calls of one event-loop turn, from any number of requests,
 * sent as two `getMany` calls on `next` (two Redis MGETs, in one write; one pipeline per
 * node on a cluster, see cluster-batching-adapter.ts) instead of one per call: the turn's
 * first call at once, as it is, and every later one of the turn together at the flush.
 * Every other call passes through unchanged.
 *
 * The first read of a turn goes out at once because of how the Redis client writes:
 * node-redis queues commands and writes them on its own `setImmediate`. A command
 * queued by the flush (itself an immediate) would wait for the client's next write,
 * after the next turn's whole poll phase: under load, behind the parsing and handling
 * of every request that arrived meanwhile. Sent first, after the flush was scheduled,
 * the leading read makes the client schedule its write behind the flush, so the merged
 * MGET leaves in the same check phase (and an idle gateway's lone request does not
 * wait for a flush at all). Correctness does not depend on it: with any client, each call is still read whole in one MGET.
 *
 * Contract, for each `getMany(keys)`:
 * - resolves with the values of exactly `keys`, in their order (undefined when absent);
 *   the call is never split, so its keys are read in one MGET as before, and an MGET is
 *   atomic: a caller's keys are still read at one instant (on a cluster, where a call
 *   was already split per node and slot, nothing changes);
 * - a key asked for by several callers is read once, and they share the value (values
 *   are treated as immutable, as single flight already shares loaded sets);
 * - rejects when that underlying `getMany` rejects (or answers with the wrong number of
 *   values): every caller of the batch gets the error, nobody gets partial values, and
 *   the next flush starts afresh (nothing is remembered between batches);
 * - adds no deadline: the deadline beneath it (bounded.ts) bounds each underlying
 *   `getMany`, so a caller waits at most the rest of the turn plus that deadline;
 * - `getMany([])` resolves with `[]` at once, without a round trip.
 *
 * Batches hold at most `maxKeys` distinct keys; a larger union is split between callers.
 */
export function coalescedReads(next: L2Client, options: CoalescedReadsOptions = {}): L2Client {
  const maxKeys = options.maxKeys ?? 1_000;
  const schedule = options.schedule ?? DEFAULT_SCHEDULE;
  let pending: Caller[] = [];
  let scheduled = false;

  const send = (batch: Batch): void => {
    options.onBatch?.(batch.callers.length);
    let sent: Promise<unknown[]>;
    try {
      sent = next.getMany(batch.keys);
    } catch (error) {
      sent = Promise.reject(error);
    }
    sent.then(
      (values) => {
        if (!Array.isArray(values) || values.length !== batch.keys.length) {
          const error = new Error(`L2 getMany answered ${Array.isArray(values) ? values.length : typeof values} values for ${batch.keys.length} keys`);
          for (const { caller } of batch.callers) caller.reject(error);
          return;
        }
        for (const { caller, positions } of batch.callers) caller.resolve(positions ? positions.map((p) => values[p]) : values);
      },
      (error: unknown) => {
        for (const { caller } of batch.callers) caller.reject(error);
      },
    );
  };

  /** A caller's keys as they are, in a getMany of their own. */
  const alone = (caller: Caller): Batch => ({ keys: caller.keys, callers: [{ caller, positions: null }] });

  const flush = () => {
    scheduled = false;
    const callers = pending;
    pending = [];
    if (callers.length === 1) send(alone(callers[0]!));
    else if (callers.length > 1) for (const batch of pack(callers, maxKeys)) send(batch);
  };

  const getMany = (keys: readonly string[]): Promise<unknown[]> => {
    if (keys.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      const caller = { keys, resolve, reject };
      if (scheduled) {
        pending.push(caller);
        return;
      }
      // The first call of a turn is sent at once, after the flush was scheduled: see
      // "The first read of a turn" above.
      scheduled = true;
      schedule(flush);
      send(alone(caller));
    });
  };

  return {
    getMany,
    setMany: (entries) => next.setMany(entries),
    writeVersions: (writes) => next.writeVersions(writes),
    ping: () => next.ping(),
    close: () => next.close(),
  };
}

/** Packs whole callers into batches of at most `maxKeys` distinct keys (a larger caller goes alone). */
function pack(callers: readonly Caller[], maxKeys: number): Batch[] {
  const batches: Batch[] = [];
  let keys: string[] = [];
  let slot = new Map<string, number>();
  let batch: Batch | null = null;
  for (const caller of callers) {
    if (batch && keys.length + caller.keys.length > maxKeys && keys.length + newKeys(slot, caller.keys) > maxKeys) batch = null;
    if (!batch) {
      keys = [];
      slot = new Map();
      batches.push((batch = { keys, callers: [] }));
    }
    const positions = caller.keys.map((key) => {
      let position = slot.get(key);
      if (position === undefined) {
        position = keys.push(key) - 1;
        slot.set(key, position);
      }
      return position;
    });
    batch.callers.push({ caller, positions });
  }
  return batches;
}

/** How many distinct keys of `keys` are not in `slot` yet. */
function newKeys(slot: ReadonlyMap<string, number>, keys: readonly string[]): number {
  const seen = new Set<string>();
  for (const key of keys) if (!slot.has(key)) seen.add(key);
  return seen.size;
}
