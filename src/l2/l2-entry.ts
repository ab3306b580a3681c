import type { PermissionSnapshot } from '../authz/types';
import { MAX_TOKEN_CHARS, OversizeValue } from '../l2-client/stored-form';
import type { L2Signer } from './l2-signing';

/**
 * What L2 stores, and how what is read back is judged. Redis may hold anything (a
 * corrupt write, another program's key, an older format, a value someone edited or
 * copied), so nothing read is trusted until it passes these checks; whatever fails
 * them is a miss, never an answer.
 *
 * A permission value (format 3) is `{ v: 3, fence, rev, exp, member, roles,
 * rolePatterns, grants, mac }`: `fence` is the invalidation state the set was loaded
 * under (a value whose fence differs from the current versions is ignored, even one a
 * late write put there after an invalidation); `rev` the organization revision it
 * reflects; `exp` the time (ms since the epoch) after which it is a miss whatever
 * Redis's TTL says; grants are `[pattern, expiresAtMs | null]` pairs to keep values
 * small; `mac` the MAC (l2-signing.ts) of the Redis key the value was written under
 * (prefix included) and of every other field, as the JSON text of
 * `[fence, rev, exp, member, roles, rolePatterns, grants]`. A value edited in any
 * field, copied to another key, or made up without the key fails it.
 *
 * A version token (pair and organization versions, see keys.ts) is a short random
 * string. It is not signed: a hit needs a value whose signed fence equals the tokens
 * read, so a token written by anyone else either matches no genuine value (misses) or
 * is a former genuine token (a replay, which a MAC would not stop either; see
 * docs/security.md). Tokens are bounded in size and alphabet, so junk is never used.
 */
export interface L2Entry {
  v: 3;
  fence: string;
  rev: number;
  exp: number;
  member: boolean;
  roles: readonly string[];
  rolePatterns: readonly string[];
  grants: ReadonlyArray<readonly [string, number | null]>;
  mac: string;
}

/** A value read back that passed every check. */
export interface OpenedEntry {
  fence: string;
  revision: number;
  /** The signed expiry (ms since the epoch). */
  expiresAt: number;
  snapshot: PermissionSnapshot;
}

/**
 * Why a value read from L2 was refused (the `reason` label of
 * `authz_l2_rejected_values_total`): `size` too large to parse; `shape` not a value or
 * token of ours; `format` an older value format (expected once, after an upgrade);
 * `mac` edited, copied from another key or signed with an unknown key; `expired` past
 * its signed expiry.
 */
export type RejectReason = 'size' | 'shape' | 'format' | 'mac' | 'expired';

export class Rejected {
  constructor(readonly reason: RejectReason) {}
}

export { MAX_STORED_CHARS, MAX_TOKEN_CHARS, OversizeValue } from '../l2-client/stored-form';



/**
 * Seals values for writing and opens values read, with `signer`.
 *
 * Cost: an HMAC (and the JSON text it covers) takes a few microseconds, a visible share
 * of an L2 hit, and most reads return a value read or written shortly before. So the
 * last `remember` values sealed or verified (default 20,000; oldest forgotten first)
 * are kept by MAC, and a value read again under the same key with the same MAC and
 * equal fields is accepted without hashing: the same contents verified before verify
 * again. Nothing in them is secret (all of it sits in Redis).
 */
export class L2Values {
  private readonly verified = new Map<string, { key: string; entry: L2Entry }>();
  private readonly capacity: number;

  constructor(
    private readonly signer: L2Signer,
    options: { remember?: number } = {},
  ) {
    this.capacity = options.remember ?? 20_000;
  }

  seal(key: string, snapshot: PermissionSnapshot, fence: string, revision: number, expiresAt: number): L2Entry {
    const fields = {
      fence,
      rev: revision,
      exp: expiresAt,
      member: snapshot.member,
      roles: [...snapshot.roles],
      rolePatterns: [...snapshot.rolePatterns],
      grants: snapshot.grants.map((g) => [g.pattern, g.expiresAt] as const),
    };
    const entry: L2Entry = { v: 3, ...fields, mac: this.signer.sign(key, signedText(fields)) };
    this.remember(key, entry);
    return entry;
  }

  /** Checks a value read from `key`, in order: size, shape, MAC, expiry. */
  open(key: string, value: unknown, now: number): OpenedEntry | Rejected {
    if (value instanceof OversizeValue) return new Rejected('size');
    if (!value || typeof value !== 'object' || Array.isArray(value)) return new Rejected('shape');
    const v = (value as { v?: unknown }).v;
    if (v !== 3) return new Rejected(typeof v === 'number' ? 'format' : 'shape');
    if (!isEntry(value)) return new Rejected('shape');
    const known = this.verified.get(value.mac);
    if (!(known !== undefined && known.key === key && sameFields(known.entry, value))) {
      if (!this.signer.verify(key, signedText(value), value.mac)) return new Rejected('mac');
      this.remember(key, value);
    }
    if (!(value.exp > now)) return new Rejected('expired');
    return {
      fence: value.fence,
      revision: value.rev,
      expiresAt: value.exp,
      snapshot: { member: value.member, roles: value.roles, rolePatterns: value.rolePatterns, grants: value.grants.map(([pattern, expiresAt]) => ({ pattern, expiresAt })) },
    };
  }

  /** Keeps a copy of its own: the arrays of a value read are handed on to callers. */
  private remember(key: string, entry: L2Entry): void {
    if (this.capacity <= 0) return;
    this.verified.delete(entry.mac);
    if (this.verified.size >= this.capacity) this.verified.delete(this.verified.keys().next().value!);
    const copy = { ...entry, roles: [...entry.roles], rolePatterns: [...entry.rolePatterns], grants: entry.grants.map(([p, e]) => [p, e] as const) };
    this.verified.set(entry.mac, { key, entry: copy });
  }
}

/** A version token as read, undefined when absent, or why it is refused. */
export function readVersion(value: unknown): string | undefined | Rejected {
  // '' is the pending mark of changes being committed (src/l2-client/version-writes.ts): no token to
  // fence with, and not junk either, so no reader overwrites it.
  if (value === undefined || value === null || value === '') return undefined;
  if (value instanceof OversizeValue) return new Rejected('size');
  if (typeof value !== 'string') return new Rejected('shape');
  if (value.length > MAX_TOKEN_CHARS) return new Rejected('size');
  return TOKEN.test(value) ? value : new Rejected('shape');
}

const TOKEN = /^[A-Za-z0-9_-]+$/;

/** The text the MAC covers: every field but `v` and `mac`, in a fixed order. */
function signedText(e: Omit<L2Entry, 'v' | 'mac'>): string {
  return JSON.stringify([e.fence, e.rev, e.exp, e.member, e.roles, e.rolePatterns, e.grants]);
}

/** Exactly an L2Entry; numbers finite, so the signed text stands for exactly these values. */
function isEntry(value: object): value is L2Entry {
  const e = value as Partial<L2Entry>;
  if (typeof e.fence !== 'string' || typeof e.member !== 'boolean' || typeof e.mac !== 'string') return false;
  if (typeof e.rev !== 'number' || !Number.isSafeInteger(e.rev) || e.rev < 0) return false;
  if (typeof e.exp !== 'number' || !Number.isFinite(e.exp)) return false;
  if (!isStringArray(e.roles) || !isStringArray(e.rolePatterns) || !Array.isArray(e.grants)) return false;
  for (const g of e.grants as unknown[]) {
    if (!Array.isArray(g) || g.length !== 2 || typeof g[0] !== 'string') return false;
    if (g[1] !== null && (typeof g[1] !== 'number' || !Number.isFinite(g[1]))) return false;
  }
  return true;
}

function sameFields(a: L2Entry, b: L2Entry): boolean {
  return (
    a.fence === b.fence &&
    a.rev === b.rev &&
    a.exp === b.exp &&
    a.member === b.member &&
    sameStrings(a.roles, b.roles) &&
    sameStrings(a.rolePatterns, b.rolePatterns) &&
    a.grants.length === b.grants.length &&
    a.grants.every((g, i) => g[0] === b.grants[i]![0] && g[1] === b.grants[i]![1])
  );
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}
