import type { AssertionResult } from './runner';

/** The outcome of one assertion file: its results, or why it could not run. */
export type FileOutcome = { file: string; results: AssertionResult[]; problems?: undefined } | { file: string; problems: string[]; results?: undefined };

/** One line per assertion (`✓`/`✗`, the test's name, what was asserted), each failure followed by its difference. */
export function textLines(outcome: FileOutcome): string[] {
  if (outcome.problems) return [`${outcome.file}: invalid, not run`, ...outcome.problems.map((p) => `  ${p}`)];
  return [
    outcome.file,
    ...outcome.results.flatMap((r) => [`  ${r.passed ? '✓' : '✗'} ${r.test} › ${r.label}`, ...r.diff.map((d) => `      ${d}`)]),
  ];
}

export function summary(outcomes: readonly FileOutcome[]): { passed: number; failed: number; invalid: number; line: string } {
  const results = outcomes.flatMap((o) => o.results ?? []);
  const passed = results.filter((r) => r.passed).length;
  const failed = results.length - passed;
  const invalid = outcomes.filter((o) => o.problems).length;
  const line = `${passed} passed, ${failed} failed${invalid ? `, ${invalid} invalid file${invalid === 1 ? '' : 's'}` : ''}`;
  return { passed, failed, invalid, line };
}

/**
 * JUnit XML as CI systems read it: a suite per file, a case per assertion (its class
 * the test's name), a `<failure>` with the difference, and an `<error>` case for a
 * file that could not run.
 */
export function junitXml(outcomes: readonly FileOutcome[]): string {
  const total = summary(outcomes);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="policy:test" tests="${total.passed + total.failed + total.invalid}" failures="${total.failed}" errors="${total.invalid}">`,
  ];
  for (const o of outcomes) {
    if (o.problems) {
      lines.push(`  <testsuite name="${attr(o.file)}" tests="1" failures="0" errors="1">`);
      lines.push(`    <testcase classname="${attr(o.file)}" name="the file is valid">`);
      lines.push(`      <error message="${attr(`${o.problems.length} problem(s)`)}">${text(o.problems.join('\n'))}</error>`);
      lines.push('    </testcase>', '  </testsuite>');
      continue;
    }
    const failures = o.results.filter((r) => !r.passed).length;
    lines.push(`  <testsuite name="${attr(o.file)}" tests="${o.results.length}" failures="${failures}" errors="0">`);
    for (const r of o.results) {
      const open = `    <testcase classname="${attr(r.test)}" name="${attr(r.label)}"`;
      if (r.passed) lines.push(`${open}/>`);
      else lines.push(`${open}>`, `      <failure message="${attr(r.diff[0] ?? 'failed')}">${text(r.diff.join('\n'))}</failure>`, '    </testcase>');
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}

// XML 1.0 allows neither most control characters nor lone surrogates, escaped or not.
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function text(value: string): string {
  return value.replace(NOT_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(value: string): string {
  return text(value).replace(/"/g, '&quot;').replace(/\n/g, '&#10;');
}
