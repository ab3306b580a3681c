import type { CheckResult } from './checks';

/** The results as a plain-text table, one row per check, then a summary line. */
export function formatTable(results: readonly CheckResult[]): string {
  const rows = results.map((r, i) => [String(i + 1), r.name, r.ok ? 'PASS' : 'FAIL', r.detail]);
  const header = ['#', 'check', 'result', 'detail'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === cells.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ');
  const passed = results.filter((r) => r.ok).length;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), '', `${passed}/${results.length} checks passed`].join('\n');
}
