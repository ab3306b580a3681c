import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { describeIdProblem } from '../authz/identifiers';
import { describePermissionProblem } from '../authz/permission';
import { jsonPath, parsePolicyFile, type PolicyFile, PolicyValidationError } from '../store/policy-file';

/**
 * An assertion file of `npm run policy:test` (YAML, or JSON, which is YAML too):
 * `policy` (a path relative to the file, or the import format inline), an optional
 * `now` (the clock for expiry), and `tests`, each with a `name`, an optional `now` and
 * any of `check`, `permissions` and `whoCan` assertions.
 */

const id = z.string({ error: 'must be a string' }).superRefine((value, ctx) => {
  const problem = describeIdProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
const permission = z.string({ error: 'must be a string' }).superRefine((value, ctx) => {
  const problem = describePermissionProblem(value, false);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
const pattern = z.string({ error: 'must be a string' }).superRefine((value, ctx) => {
  const problem = describePermissionProblem(value, true);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
const instant = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time with a time zone, e.g. 2030-01-01T00:00:00Z' });

const checkAssertion = z.strictObject({ user: id, org: id, permission, allowed: z.boolean({ error: 'must be true or false' }) });
const permissionsAssertion = z.strictObject({
  user: id,
  org: id,
  expect: z.array(pattern, { error: 'must be a list of permission patterns' }),
  roles: z.array(z.string({ error: 'must be a string' }), { error: 'must be a list of role names' }).optional(),
});
const whoCanAssertion = z.strictObject({ org: id, permission, expect: z.array(id, { error: 'must be a list of user IDs' }) });

const testSchema = z
  .strictObject({
    name: z.string({ error: 'must be a string' }).min(1, 'must not be empty'),
    now: instant.optional(),
    check: z.array(checkAssertion, { error: 'must be a list' }).optional(),
    permissions: z.array(permissionsAssertion, { error: 'must be a list' }).optional(),
    whoCan: z.array(whoCanAssertion, { error: 'must be a list' }).optional(),
  })
  .refine((t) => (t.check?.length ?? 0) + (t.permissions?.length ?? 0) + (t.whoCan?.length ?? 0) > 0, 'a test needs at least one assertion (check, permissions or whoCan)');

const fileSchema = z.strictObject({
  policy: z.union([z.string().min(1), z.record(z.string(), z.unknown())], { error: 'must be a path (relative to this file) or a policy in the import format' }),
  now: instant.optional(),
  tests: z.array(testSchema, { error: 'must be a list of tests' }).min(1, 'must list at least one test'),
});

export type CheckAssertion = z.infer<typeof checkAssertion>;
export type PermissionsAssertion = z.infer<typeof permissionsAssertion>;
export type WhoCanAssertion = z.infer<typeof whoCanAssertion>;
export type PolicyTest = z.infer<typeof testSchema>;

export interface AssertionFile {
  readonly file: string;
  readonly policy: PolicyFile;
  /** The file's clock (epoch ms), or null for the real time. */
  readonly now: number | null;
  readonly tests: PolicyTest[];
}

/** An assertion file that cannot be run: every problem, each with its place (`file: $.tests[0].check[1].allowed (line 9)`). */
export class AssertionFileError extends Error {
  constructor(readonly file: string, readonly problems: string[]) {
    super(`${file} is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'AssertionFileError';
  }
}

/**
 * Reads, parses and validates an assertion file and the policy it names (checked as
 * `npm run import` checks it).
 * @throws AssertionFileError listing every problem found.
 */
export async function loadAssertionFile(file: string): Promise<AssertionFile> {
  const { value, locate } = await readYaml(file);
  const parsed = fileSchema.safeParse(value);
  if (!parsed.success) {
    throw new AssertionFileError(file, parsed.error.issues.map((i) => `${jsonPath(i.path)}: ${i.message}${locate(i.path)}`));
  }
  const data = parsed.data;
  let policy: PolicyFile;
  if (typeof data.policy === 'string') {
    const policyFile = path.resolve(path.dirname(file), data.policy);
    let policyValue: unknown;
    try {
      policyValue = (await readYaml(policyFile)).value;
    } catch (error) {
      if (error instanceof AssertionFileError) throw new AssertionFileError(file, error.problems.map((p) => `$.policy (${data.policy}): ${p}`));
      throw error;
    }
    policy = parsePolicyIn(file, policyValue, (p) => `$.policy (${data.policy}): ${p}`);
  } else {
    policy = parsePolicyIn(file, data.policy, (p) => p.replace(/^\$/, '$.policy') + locate(['policy', ...pathOf(p)]));
  }
  return { file, policy, now: data.now ? Date.parse(data.now) : null, tests: data.tests };
}

function parsePolicyIn(file: string, value: unknown, place: (problem: string) => string): PolicyFile {
  try {
    return parsePolicyFile(value);
  } catch (error) {
    if (error instanceof PolicyValidationError) throw new AssertionFileError(file, error.problems.map(place));
    throw error;
  }
}

/** The path of a problem as parsePolicyFile writes it (`$.roles[2].permissions[0]: ...`). */
function pathOf(problem: string): Array<string | number> {
  const match = /^\$((?:\.[A-Za-z]+|\[\d+\])*)/.exec(problem);
  return [...(match?.[1] ?? '').matchAll(/\.([A-Za-z]+)|\[(\d+)\]/g)].map((m) => (m[1] !== undefined ? m[1] : Number(m[2])));
}

async function readYaml(file: string): Promise<{ value: unknown; locate: (p: ReadonlyArray<PropertyKey>) => string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new AssertionFileError(file, [`cannot read the file: ${error instanceof Error ? error.message : String(error)}`]);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new AssertionFileError(file, doc.errors.map((e) => `${e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}: ` : ''}${e.message.split('\n')[0]}`));
  }
  return { value: doc.toJS(), locate: (p) => locate(doc, lineCounter, p) };
}

/** ` (line N)` for the deepest node of `p` that exists in the document, or ''. */
function locate(doc: Document, lines: LineCounter, p: ReadonlyArray<PropertyKey>): string {
  for (let depth = p.length; depth > 0; depth--) {
    const node = doc.getIn(p.slice(0, depth) as unknown[], true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return ` (line ${lines.linePos(node.range[0]).line})`;
  }
  return '';
}
