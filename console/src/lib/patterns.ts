/**
 * Permission and pattern rules for validating as the user types: the gateway's own
 * module (src/authz/permission.ts, pure code) is bundled into the console, so both
 * always give the same answer. This file adds what forms need on top: lists.
 *
 * A permission is `resource:action`; each segment is 1-64 characters of lowercase
 * letters, digits, `_`, `.` and `-`. A pattern may use `*` as a whole segment.
 * Pure code (no DOM, no React): jest runs it in node.
 */

export { describePermissionProblem, isPattern, isPermission, patternMatches } from '../../../src/authz/permission';
import { describePermissionProblem } from '../../../src/authz/permission';

export interface PatternListProblem {
  /** 1-based position in the list, as people count. */
  position: number;
  value: string;
  message: string;
}

export interface ParsedPatternList {
  /** Valid patterns in the order typed, duplicates removed. */
  patterns: string[];
  problems: PatternListProblem[];
}

/**
 * Parses what the user typed into a pattern list: patterns separated by commas,
 * spaces or new lines. Empty entries are ignored; duplicates are kept once (the API
 * stores a set anyway). The list is valid when `problems` is empty.
 */
export function parsePatternList(text: string): ParsedPatternList {
  const patterns: string[] = [];
  const problems: PatternListProblem[] = [];
  const entries = text.split(/[\s,]+/).filter((entry) => entry.length > 0);
  entries.forEach((value, index) => {
    const message = describePermissionProblem(value, true);
    if (message) problems.push({ position: index + 1, value, message });
    else if (!patterns.includes(value)) patterns.push(value);
  });
  return { patterns, problems };
}
