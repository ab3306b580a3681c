// `node --import tsx bench/l2-auth-cost.ts [pairs]`: what a warm L2 hit pays to
// authenticate its value, per hit, in microseconds of CPU: `L2Values.open` on genuine
// values read in random order, each parsed from its stored record into a fresh object
// as Keyv does (reads that parse and open, minus reads that only parse), with the
// verified-value memo hit (a value this process wrote or verified before: every hit
// of scenario 1) and without it (an HMAC per hit); and what parsing the fields only
// authentication adds (`mac`, `exp`) costs. `open` is timed in full (shape checks, memo
// or HMAC, expiry, the snapshot handed on), so the figure bounds the cost of
// authentication from above. Prints one JSON line. bench/run.ts runs it between the
// rounds of scenario 1 and reports its share of scenario 1's CPU per request.
import { randomBytes } from 'node:crypto';
import { L2Values, Rejected } from '../src/l2/l2-entry';
import { createL2Signer } from '../src/l2/l2-signing';

export interface L2AuthCost {
  /** Per hit, with the memo hit (scenario 1's case). */
  memoHitMicros: number;
  /** Per hit, hashing every value (a value this process has not seen before). */
  verifyMicros: number;
  /** Per hit, parsing the fields only authentication adds to a stored record (`mac`, `exp`). */
  parseMacFieldsMicros: number;
  pairs: number;
}

// The benchmark's role mix (bench/data.ts): one or two roles, their patterns, one member
// in five with a direct grant.
const ROLE_PATTERNS: string[][] = [['*:*'], ['activity:read', 'comment:*', 'document:*'], ['*:read'], ['billing:*', 'invoice:export', 'invoice:read'], ['comment:create', 'ticket:*', 'user:read']];
const ROLE_NAMES = ['admin', 'editor', 'viewer', 'billing', 'support'];

interface Stored {
  key: string;
  text: string;
  /** The same record without the fields authentication adds. */
  textWithoutMac: string;
}

function genuineValues(values: L2Values, pairs: number, now: number): Stored[] {
  const out: Stored[] = [];
  for (let i = 0; i < pairs; i++) {
    const key = `bench:auth::perms:u${i}:org${i % 100}`;
    const roles = i % 7 === 0 ? [ROLE_NAMES[i % 5]!, ROLE_NAMES[(i + 1) % 5]!].sort() : [ROLE_NAMES[i % 5]!];
    const rolePatterns = [...new Set(roles.flatMap((r) => ROLE_PATTERNS[ROLE_NAMES.indexOf(r)]!))].sort();
    const grants = i % 5 === 0 ? [{ pattern: 'report:export', expiresAt: i % 10 === 0 ? null : now + 86_400_000 }] : [];
    const entry = values.seal(key, { member: true, roles, rolePatterns, grants }, `p${i.toString(36)}/o${(i % 100).toString(36)}`, 42, now + 300_000);
    const { mac: _mac, exp: _exp, ...unsigned } = entry;
    out.push({ key, text: JSON.stringify({ value: entry, expires: now + 300_000 }), textWithoutMac: JSON.stringify({ value: unsigned, expires: now + 300_000 }) });
  }
  return out;
}

/** Order of reads: random, as scenario 1's pairs are (a fixed seed: every run the same). */
function readOrder(pairs: number, reads: number): Uint32Array {
  let a = 0x2f6b3c1d;
  const order = new Uint32Array(reads);
  for (let i = 0; i < reads; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    order[i] = ((t ^ (t >>> 14)) >>> 0) % pairs;
  }
  return order;
}

/**
 * CPU time (µs) per read of a pass over `order`: each read parses its stored record
 * into a fresh object, as Keyv does, and, with `values`, opens it. CPU time, as
 * scenario 1's figure is: on a shared machine, wall time would also count the moments
 * another process had the core.
 */
function pass(stored: readonly Stored[], order: Uint32Array, now: number, values: L2Values | null, text: (s: Stored) => string): number {
  let refused = 0;
  const t = process.cpuUsage();
  for (let i = 0; i < order.length; i++) {
    const s = stored[order[i]!]!;
    const value = (JSON.parse(text(s)) as { value: unknown }).value;
    if (values && values.open(s.key, value, now) instanceof Rejected) refused++;
  }
  const used = process.cpuUsage(t);
  if (refused) throw new Error(`${refused} genuine values were refused`);
  return (used.user + used.system) / order.length;
}

/** Median over `rounds` of `with` minus `without`, the two passes alternating within each round. */
function medianDifference(rounds: number, withIt: () => number, without: () => number): number {
  const differences: number[] = [];
  for (let r = 0; r < rounds; r++) differences.push(withIt() - without());
  return Math.max(0, median(differences));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export function measureL2Authentication(pairs = 14_000, rounds = 7): L2AuthCost {
  const now = Date.now();
  const signer = createL2Signer({ current: randomBytes(32) });
  // Sealing remembers every value, as the gateway's warm-up writes do: then every read
  // is a memo hit, as in scenario 1.
  const remembering = new L2Values(signer);
  const stored = genuineValues(remembering, pairs, now);
  // The same values through an instance that remembers nothing: an HMAC per open.
  const hashing = new L2Values(signer, { remember: 0 });
  const order = readOrder(pairs, Math.max(20_000, pairs * 2));
  const signed = (s: Stored) => s.text;
  const unsigned = (s: Stored) => s.textWithoutMac;
  // Warm-up: let V8 optimize every path before timing it.
  for (const values of [remembering, hashing, null]) pass(stored, order, now, values, signed);
  pass(stored, order, now, null, unsigned);
  return {
    memoHitMicros: round3(medianDifference(rounds, () => pass(stored, order, now, remembering, signed), () => pass(stored, order, now, null, signed))),
    verifyMicros: round3(medianDifference(Math.max(3, Math.floor(rounds / 3)), () => pass(stored, order, now, hashing, signed), () => pass(stored, order, now, null, signed))),
    parseMacFieldsMicros: round3(medianDifference(rounds, () => pass(stored, order, now, null, signed), () => pass(stored, order, now, null, unsigned))),
    pairs,
  };
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;

if (require.main === module) {
  const pairs = Number(process.argv[2] ?? 14_000);
  process.stdout.write(`${JSON.stringify(measureL2Authentication(pairs))}\n`);
}
