import { PolicyReads } from '../admin/policy-reads';
import { DecisionService } from '../authz/decision-service';
import { explain } from '../authz/explain';
import { WhoCanService } from '../authz/who-can';
import { storeOnlyChain } from '../composition/store-chain';
import { type Database, openMemoryDatabase } from '../store/database';
import { applyMigrations } from '../store/migrations/migrations';
import { PolicyValidationError } from '../store/policy-file';
import { importPolicy } from '../store/policy-import';
import { WhoCanStore } from '../store/who-can-store';
import { type AssertionFile, AssertionFileError, type CheckAssertion, type PermissionsAssertion, type WhoCanAssertion } from './assertion-file';

export interface AssertionResult {
  /** The test's name. */
  readonly test: string;
  /** What was asserted, on one line. */
  readonly label: string;
  readonly passed: boolean;
  /** For a failure: the difference between the expectation and the answer, for people. */
  readonly diff: string[];
}

/**
 * Runs an assertion file against its policy with the gateway's own decision code:
 * the policy is imported by the importer into a throwaway in-memory database, and
 * answers come from DecisionService over the store (`check`, `permissions`),
 * WhoCanService (`whoCan`) and explain (the reason a check failed), all on one clock:
 * a test's `now`, else the file's, else the real time.
 * @throws AssertionFileError when the policy refers to something it does not define.
 */
export async function runAssertionFile(file: AssertionFile): Promise<AssertionResult[]> {
  const database = await openMemoryDatabase();
  try {
    await database.withMigrationAdapter(applyMigrations);
    try {
      await importPolicy(database.prisma, file.policy, { actor: 'policy-test' });
    } catch (error) {
      if (error instanceof PolicyValidationError) throw new AssertionFileError(file.file, error.problems.map((p) => `$.policy: ${p}`));
      throw error;
    }
    return await evaluate(database, file);
  } finally {
    await database.close();
  }
}

async function evaluate(database: Database, file: AssertionFile): Promise<AssertionResult[]> {
  let fixed: number | null = null;
  const now = () => fixed ?? Date.now();
  const chain = storeOnlyChain(database.prisma, { now });
  const decisions = new DecisionService({ maxChecks: 1_000, now });
  const whoCan = new WhoCanService(new WhoCanStore(database.prisma), now);
  const reads = new PolicyReads(database.prisma);
  const results: AssertionResult[] = [];
  for (const test of file.tests) {
    fixed = test.now ? Date.parse(test.now) : file.now;
    // A fresh L1 per test: a set loaded under one test's clock is never reused under another's.
    const loader = chain.newLoader();
    for (const a of test.check ?? []) results.push({ test: test.name, ...(await check(a)) });
    for (const a of test.permissions ?? []) results.push({ test: test.name, ...(await permissions(a)) });
    for (const a of test.whoCan ?? []) results.push({ test: test.name, ...(await who(a)) });

    async function check(a: CheckAssertion) {
      const { allowed } = await decisions.can(loader, { userId: a.user, orgId: a.org, permission: a.permission });
      const label = `check ${show(a.user)} in ${show(a.org)} ${a.permission}: ${a.allowed ? 'allowed' : 'denied'}`;
      if (allowed === a.allowed) return { label, passed: true, diff: [] };
      const why = explain(await reads.facts(a.user, a.org), a.permission, now());
      return { label, passed: false, diff: [`expected: ${a.allowed ? 'allowed' : 'denied'}`, `actual:   ${allowed ? 'allowed' : 'denied'} (${why.summary})`] };
    }

    async function permissions(a: PermissionsAssertion) {
      const answer = await decisions.permissions(loader, { userId: a.user, orgId: a.org });
      const label = `permissions ${show(a.user)} in ${show(a.org)}`;
      const diff = [...listDiff('permissions', a.expect, answer.permissions), ...(a.roles ? listDiff('roles', a.roles, answer.roles) : [])];
      return { label, passed: diff.length === 0, diff };
    }

    async function who(a: WhoCanAssertion) {
      const users: string[] = [];
      for await (const user of whoCan.all(a.org, a.permission)) users.push(user.userId);
      const label = `whoCan ${show(a.org)} ${a.permission}`;
      const diff = listDiff('users', a.expect, users);
      return { label, passed: diff.length === 0, diff };
    }
  }
  return results;
}

/** Compares as sets; for a difference: both lists, what is missing and what is unexpected. */
function listDiff(what: string, expected: readonly string[], actual: readonly string[]): string[] {
  const want = new Set(expected);
  const got = new Set(actual);
  const missing = [...want].filter((x) => !got.has(x)).sort();
  const unexpected = [...got].filter((x) => !want.has(x)).sort();
  if (missing.length === 0 && unexpected.length === 0) return [];
  return [
    `expected ${what}: ${list([...want].sort())}`,
    `actual ${what}:   ${list([...got].sort())}`,
    ...(missing.length ? [`- missing:    ${list(missing)}`] : []),
    ...(unexpected.length ? [`+ unexpected: ${list(unexpected)}`] : []),
  ];
}

function list(values: readonly string[]): string {
  return `[${values.map(show).join(', ')}]`;
}

/** An ID as written, quoted when it has characters that would make the line ambiguous. */
function show(value: string): string {
  return /^[\w.@|:*-]+$/u.test(value) ? value : JSON.stringify(value);
}
