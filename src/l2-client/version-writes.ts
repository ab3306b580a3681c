import type Keyv from 'keyv';
import { MAX_STORED_CHARS, MAX_TOKEN_CHARS } from './stored-form';

/**
 * Every write that replaces a version key (pair and organization versions, keys.ts) is
 * one of these, applied atomically per key: a Lua script on Redis (version-script.ts),
 * the same rules in one synchronous step on the in-process L2 (memoryVersionWrites).
 * Nothing else writes version keys.
 *
 * A version key holds one of:
 * - a **token**: a short random string (l2-entry.ts readVersion), what values are fenced with;
 * - a **pending marker**: the changes still being committed that touch the key, each
 *   with its own deadline. Stored as Keyv's record `{"value": "", "pending": {"<change
 *   id>": <deadline, ms since the epoch>}}`: readers see the value `''`, which is no
 *   token (a miss, never cached, never overwritten by `create`). A change ID whose
 *   deadline passed no longer counts; a marker with none left counts as absent. A marker
 *   without `pending` (written by an older version of the gateway) is owned by an unknown
 *   change until the key's own TTL ends;
 * - **junk**: anything else (too long, not JSON, not a token), which is never used;
 * - nothing (**absent**).
 *
 * The rules that make a fence hold: a token is written over a pending marker only by the
 * write that removes its last live change ID; nothing else replaces a marker. So while a
 * change is between its fence and its commit (its ID is in the marker), no token can
 * appear on the key, whatever other changes, peers, the breaker's probe or readers do.
 */
export type VersionWrite =
  /** Adds `changeId` to the key's pending marker (replacing a token, junk or nothing), live for `pendingMs`. */
  | { readonly kind: 'fence'; readonly key: string; readonly changeId: string; readonly pendingMs: number }
  /**
   * `changeId` committed: removes it from the marker; the last one out writes `token`
   * (for `ttlMs`). Over a token, junk or nothing, writes `token` only when `always`
   * (the change's writer; a peer settling for it leaves those alone).
   */
  | { readonly kind: 'settle'; readonly key: string; readonly changeId: string; readonly token: string; readonly ttlMs: number; readonly always: boolean }
  /** Writes `token` unless a change is pending (the breaker's probe after an outage). */
  | { readonly kind: 'refresh'; readonly key: string; readonly token: string; readonly ttlMs: number }
  /** Writes `token` where the key is absent, or holds junk and `replaceJunk` (a reader's miss). */
  | { readonly kind: 'create'; readonly key: string; readonly token: string; readonly ttlMs: number; readonly replaceJunk: boolean };

/**
 * Applies `writes` (each atomic on its own key; no order or atomicity across keys) and
 * says, for each, the token the key holds afterwards, or null when it holds none (a
 * pending marker, or junk a `create` left in place). Rejects when the store fails; a
 * write may still have landed then.
 */
export type VersionWrites = (writes: readonly VersionWrite[]) => Promise<Array<string | null>>;

/** What a version key holds, as the rules see it at time `now`. */
export type VersionState =
  | { readonly kind: 'absent' }
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'pending'; readonly owners: Readonly<Record<string, number>> }
  | { readonly kind: 'junk' };

/** Keyv's record of a version key, as the rules write it (Redis: with no `expires`, its PX rules). */
export interface VersionRecord {
  readonly value: string;
  readonly pending?: Readonly<Record<string, number>>;
}

/**
 * The longest a pending mark may live: above any fence's `pendingMs` (at most 2 x the
 * largest AUTHZ_CACHE_TTL, 2 days). A deadline further out, or not a whole number of
 * milliseconds, was not written by these rules: it does not count, so a value planted in
 * Redis can neither pin a key pending for years nor make the fence's write fail.
 */
export const MAX_PENDING_MS = 3 * 86_400_000;

/** True when `deadline` is a live deadline these rules could have written, at time `now`. */
const liveDeadline = (deadline: unknown, now: number): deadline is number =>
  typeof deadline === 'number' && Number.isSafeInteger(deadline) && deadline > now && deadline - now <= MAX_PENDING_MS;

/** The owner standing for a marker written without `pending` (an older gateway). */
export const UNKNOWN_OWNER = '?';

/**
 * Reads stored text. `remainingMs`: the key's remaining TTL (Redis PTTL; memory: from
 * Keyv's `expires`), used only for an ownerless marker.
 */
export function classify(text: string | undefined, now: number, remainingMs: number): VersionState {
  if (text === undefined) return { kind: 'absent' };
  if (text.length > MAX_STORED_CHARS) return { kind: 'junk' };
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    return { kind: 'junk' };
  }
  if (!record || typeof record !== 'object' || Array.isArray(record)) return { kind: 'junk' };
  const { value, pending } = record as { value?: unknown; pending?: unknown };
  if (value === '') {
    const owners: Record<string, number> = Object.create(null) as Record<string, number>;
    if (pending === undefined) {
      if (liveDeadline(now + remainingMs, now)) owners[UNKNOWN_OWNER] = now + remainingMs;
    } else if (pending && typeof pending === 'object' && !Array.isArray(pending)) {
      for (const [owner, deadline] of Object.entries(pending)) if (liveDeadline(deadline, now)) owners[owner] = deadline;
    }
    return Object.keys(owners).length > 0 ? { kind: 'pending', owners } : { kind: 'absent' };
  }
  if (typeof value === 'string' && value.length > 0 && value.length <= MAX_TOKEN_CHARS && TOKEN.test(value)) return { kind: 'token', token: value };
  return { kind: 'junk' };
}

/** Same alphabet as l2-entry.ts readVersion (ASCII only, as Lua's %w in the C locale). */
const TOKEN = /^[A-Za-z0-9_-]+$/;

/** What a write does to a key in `state`: what it holds afterwards, and what to store (nothing: leave it). */
export function decide(write: VersionWrite, state: VersionState, now: number): { held: string | null; store?: { record: VersionRecord; ttlMs: number } } {
  const token = (t: string, ttlMs: number) => ({ held: t, store: { record: { value: t }, ttlMs } });
  const pending = (owners: Record<string, number>) => ({
    held: null,
    store: { record: { value: '', pending: owners }, ttlMs: Math.max(...Object.values(owners)) - now },
  });
  switch (write.kind) {
    case 'fence': {
      const owners: Record<string, number> = Object.assign(Object.create(null) as object, state.kind === 'pending' ? state.owners : {});
      owners[write.changeId] = Math.max(owners[write.changeId] ?? 0, now + write.pendingMs);
      return pending(owners);
    }
    case 'settle': {
      if (state.kind === 'pending') {
        if (!Object.hasOwn(state.owners, write.changeId)) return { held: null };
        const others: Record<string, number> = Object.assign(Object.create(null) as object, state.owners);
        delete others[write.changeId];
        return Object.keys(others).length > 0 ? pending(others) : token(write.token, write.ttlMs);
      }
      if (write.always) return token(write.token, write.ttlMs);
      return { held: state.kind === 'token' ? state.token : null };
    }
    case 'refresh':
      return state.kind === 'pending' ? { held: null } : token(write.token, write.ttlMs);
    case 'create':
      if (state.kind === 'absent' || (state.kind === 'junk' && write.replaceJunk)) return token(write.token, write.ttlMs);
      return { held: state.kind === 'token' ? state.token : null };
  }
}

/** Refuses writes the rules cannot store (an empty or odd token, a TTL that is no TTL). */
export function checkWrite(write: VersionWrite): void {
  const ms = write.kind === 'fence' ? write.pendingMs : write.ttlMs;
  if (!Number.isSafeInteger(ms) || ms <= 0) throw new RangeError(`version write: bad TTL ${ms} for ${write.key}`);
  if (write.kind === 'fence' && ms > MAX_PENDING_MS) throw new RangeError(`version write: pending time ${ms} ms above ${MAX_PENDING_MS} for ${write.key}`);
  if ('token' in write && !(write.token.length > 0 && write.token.length <= MAX_TOKEN_CHARS && TOKEN.test(write.token))) throw new RangeError('version write: not a token');
  if ('changeId' in write && !(write.changeId.length > 0 && write.changeId.length <= 64)) throw new RangeError('version write: bad change ID');
}

/**
 * The rules on an in-process Keyv over a Map (the memory L2 of l2-store.ts, and tests):
 * each write reads and replaces its key in one synchronous step, so no other write in
 * this process can interleave. Records carry Keyv's `expires`, the only expiry a Map has.
 */
export function memoryVersionWrites(kv: Keyv, now: () => number = Date.now): VersionWrites {
  const map = kv.store as unknown;
  if (!(map instanceof Map)) throw new TypeError('memoryVersionWrites needs a Keyv over a Map');
  // Keyv's own key prefixing (none for the L2's Keyv; `keyv:` for a default one in tests).
  const stored = (key: string) => (kv as unknown as { _getKeyPrefix(key: string): string })._getKeyPrefix(key);
  return async (writes) => {
    writes.forEach(checkWrite);
    return writes.map((write) => {
      const key = stored(write.key);
      const at = now();
      const raw: unknown = map.get(key);
      let text = typeof raw === 'string' ? raw : raw === undefined ? undefined : JSON.stringify(raw);
      let expires: unknown;
      try {
        expires = text === undefined ? undefined : (JSON.parse(text) as { expires?: unknown }).expires;
      } catch {
        expires = undefined;
      }
      if (typeof expires === 'number' && expires <= at) text = undefined;
      const outcome = decide(write, classify(text, at, typeof expires === 'number' ? expires - at : 0), at);
      if (outcome.store) map.set(key, JSON.stringify({ ...outcome.store.record, expires: at + outcome.store.ttlMs }));
      return outcome.held;
    });
  };
}
