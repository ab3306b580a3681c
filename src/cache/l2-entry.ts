import type { GrantEntry, PermissionSnapshot } from '../authz/types';
import type { L2Signer } from './l2-signing';

/**
 * What L2 stores, and how what is read back is judged. Redis may hold anything (a
 * corrupt write, another program's key, an older format, a value someone edited or
 * copied), so nothing read is trusted until it passes these checks; whatever fails
 * them is a miss, never an answer.
 *
 * A permission value (format 3) is `{ v: 3, p, mac }`:
 * - `p`: the payload as JSON text, `{ fence, rev, exp, member, roles, rolePatterns,
 *   grants }`. `fence` is the invalidation state the set was loaded under (a value
 *   whose fence differs from the current versions is ignored, even one a late write put
 *   there after an invalidation); `rev` the organization revision it reflects; `exp`
 *   the time (ms since the epoch) after which it is a miss whatever Redis's TTL says;
 *   grants are `[pattern, expiresAtMs | null]` pairs to keep values small.
 * - `mac`: the MAC (l2-signing.ts) of the Redis key the value was written under
 *   (prefix included) and `p`. A value edited in any byte, copied to another key, or
 *   made up without the key fails it.
 *
 * The payload stays JSON text inside the value so the MAC covers the exact bytes read,
 * with no second serialization to compare, and is parsed only once its MAC holds.
 * `redis-cli GET <key> | jq '.value.p | fromjson'` shows it.
 *
 * A version token (pair and organization versions, see keys.ts) is a short random
 * string. It is not signed: a hit needs a value whose signed fence equals the tokens
 * read, so a token written by anyone else either matches no genuine value (misses) or
 * is a former genuine token (a replay, which a MAC would not stop either; see
 * docs/security.md). Tokens are bounded in size and alphabet, so junk is never used.
 */
export interface L2Entry {
  v: 3;
  p: string;
  mac: string;
}

interface Payload {
  fence: string;
  rev: number;
  exp: number;
  member: boolean;
  roles: readonly string[];
  rolePatterns: readonly string[];
  grants: Array<[string, number | null]>;
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

/** Longest stored text (Keyv's JSON record) that is parsed at all; see l2-store.ts. */
export const MAX_STORED_CHARS = 64 * 1024;

/** Longest version token accepted. */
export const MAX_TOKEN_CHARS = 128;

/** Stands for stored text longer than MAX_STORED_CHARS, which was not parsed. */
export class OversizeValue {
  constructor(readonly chars: number) {}
}

export function sealEntry(key: string, snapshot: PermissionSnapshot, fence: string, revision: number, expiresAt: number, signer: L2Signer): L2Entry {
  const payload: Payload = {
    fence,
    rev: revision,
    exp: expiresAt,
    member: snapshot.member,
    roles: snapshot.roles,
    rolePatterns: snapshot.rolePatterns,
    grants: snapshot.grants.map((g) => [g.pattern, g.expiresAt]),
  };
  const p = JSON.stringify(payload);
  return { v: 3, p, mac: signer.sign(key, p) };
}

/** Checks a value read from `key`, in order: size, shape, MAC, payload, expiry. */
export function openEntry(key: string, value: unknown, now: number, signer: L2Signer): OpenedEntry | Rejected {
  if (value instanceof OversizeValue) return new Rejected('size');
  if (!value || typeof value !== 'object' || Array.isArray(value)) return new Rejected('shape');
  const e = value as Partial<L2Entry>;
  if (e.v !== 3) return new Rejected(typeof e.v === 'number' ? 'format' : 'shape');
  if (typeof e.p !== 'string' || typeof e.mac !== 'string') return new Rejected('shape');
  if (!signer.verify(key, e.p, e.mac)) return new Rejected('mac');
  let payload: unknown;
  try {
    payload = JSON.parse(e.p);
  } catch {
    return new Rejected('shape');
  }
  const opened = fromPayload(payload);
  if (opened === null) return new Rejected('shape');
  return opened.expiresAt > now ? opened : new Rejected('expired');
}

/** A version token as read, undefined when absent, or why it is refused. */
export function readVersion(value: unknown): string | undefined | Rejected {
  if (value === undefined || value === null) return undefined;
  if (value instanceof OversizeValue) return new Rejected('size');
  if (typeof value !== 'string' || value === '') return new Rejected('shape');
  if (value.length > MAX_TOKEN_CHARS) return new Rejected('size');
  return TOKEN.test(value) ? value : new Rejected('shape');
}

const TOKEN = /^[A-Za-z0-9_-]+$/;

function fromPayload(value: unknown): OpenedEntry | null {
  if (!value || typeof value !== 'object') return null;
  const e = value as Partial<Payload>;
  if (typeof e.fence !== 'string' || typeof e.member !== 'boolean') return null;
  if (typeof e.rev !== 'number' || !Number.isInteger(e.rev) || e.rev < 0) return null;
  if (typeof e.exp !== 'number' || !Number.isFinite(e.exp)) return null;
  if (!isStringArray(e.roles) || !isStringArray(e.rolePatterns) || !Array.isArray(e.grants)) return null;
  const grants: GrantEntry[] = [];
  for (const g of e.grants) {
    if (!Array.isArray(g) || g.length !== 2 || typeof g[0] !== 'string') return null;
    if (g[1] !== null && typeof g[1] !== 'number') return null;
    grants.push({ pattern: g[0], expiresAt: g[1] });
  }
  return { fence: e.fence, revision: e.rev, expiresAt: e.exp, snapshot: { member: e.member, roles: e.roles, rolePatterns: e.rolePatterns, grants } };
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}
