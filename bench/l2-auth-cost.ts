// `node --import tsx bench/l2-auth-cost.ts [pairs]`: what a warm L2 hit pays to
// authenticate its value, per hit, in microseconds: `L2Values.open` on genuine values
// as read back from Redis (fresh objects parsed from Keyv's JSON records), with the
// verified-value memo hit (a value this process wrote or verified before: every hit
// of scenario 1) and without it (an HMAC per hit). `open` in full is timed (shape
// checks, memo or HMAC, expiry, the snapshot handed on), so the figure bounds the cost
// of authentication from above. Prints one JSON line. bench/run.ts runs it between the
// rounds of scenario 1 and reports its share of scenario 1's CPU per request.
import { randomBytes } from 'node:crypto';
import { L2Values } from '../src/cache/l2-entry';
import { createL2Signer } from '../src/cache/l2-signing';

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

/**
 * Median over `passes` of the CPU time per `open` (µs), each pass opening every value
 * once. CPU time, as scenario 1's figure is: on a shared machine, wall time would also
 * count the moments another process had the core.
 */
function timeOpens(values: L2Values, reads: Array<{ key: string; value: unknown }>, now: number, passes: number): number {
  const perPass: number[] = [];
  let opened = 0;
  for (let p = 0; p < passes; p++) {
    const t = process.cpuUsage();
    for (const r of reads) if (!('reason' in (values.open(r.key, r.value, now) as object))) opened++;
    const used = process.cpuUsage(t);
    perPass.push((used.user + used.system) / reads.length);
  }
  if (opened !== passes * reads.length) throw new Error('a genuine value was refused');
  return median(perPass);
}

/** Median over `passes` of the CPU time (µs) per JSON.parse of `texts`. */
function timeParses(texts: string[], passes: number): number {
  const perPass: number[] = [];
  for (let p = 0; p < passes; p++) {
    const t = process.cpuUsage();
    for (const text of texts) JSON.parse(text);
    const used = process.cpuUsage(t);
    perPass.push((used.user + used.system) / texts.length);
  }
  return median(perPass);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export function measureL2Authentication(pairs = 14_000, passes = 15): L2AuthCost {
  const now = Date.now();
  const signer = createL2Signer({ current: randomBytes(32) });
  const remembering = new L2Values(signer);
  const stored = genuineValues(remembering, pairs, now);
  // Values as Keyv hands them over, a fresh object per stored record, parsed beforehand:
  // parsing is timed apart, as the share of it that the MAC fields add.
  const reads = stored.map((s) => ({ key: s.key, value: (JSON.parse(s.text) as { value: unknown }).value }));
  // The same values through an instance that remembers nothing: an HMAC per open.
  const hashing = new L2Values(signer, { remember: 0 });
  timeOpens(remembering, reads, now, 2); // warm-up: let V8 optimize both paths
  timeOpens(hashing, reads, now, 1);
  const signedTexts = stored.map((s) => s.text);
  const unsignedTexts = stored.map((s) => s.textWithoutMac);
  timeParses(signedTexts, 1);
  timeParses(unsignedTexts, 1);
  return {
    memoHitMicros: round3(timeOpens(remembering, reads, now, passes)),
    verifyMicros: round3(timeOpens(hashing, reads, now, Math.max(3, Math.floor(passes / 3)))),
    parseMacFieldsMicros: round3(Math.max(0, timeParses(signedTexts, passes) - timeParses(unsignedTexts, passes))),
    pairs,
  };
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;

if (require.main === module) {
  const pairs = Number(process.argv[2] ?? 14_000);
  process.stdout.write(`${JSON.stringify(measureL2Authentication(pairs))}\n`);
}
