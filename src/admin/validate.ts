import { InvalidInputError } from '../authz/errors';
import { describeIdProblem, describeNameProblem } from '../authz/identifiers';
import { describePermissionProblem } from '../authz/permission';

/** Input checks shared by every mutation; each error names the argument. */
export function checkId(argument: string, value: string): string {
  const problem = describeIdProblem(value);
  if (problem) throw new InvalidInputError(`${argument} ${problem}`);
  return value;
}

export function checkName(argument: string, value: string): string {
  const problem = describeNameProblem(value);
  if (problem) throw new InvalidInputError(`${argument} ${problem}`);
  return value;
}

/** Patterns, sorted and unique; every invalid one is reported with its index. */
export function checkPatterns(argument: string, values: readonly string[]): string[] {
  const problems = values.flatMap((value, i) => {
    const problem = describePermissionProblem(value, true);
    return problem ? [`${argument}[${i}]: ${problem}`] : [];
  });
  if (problems.length > 0) throw new InvalidInputError(problems.join('; '));
  return [...new Set(values)].sort();
}

/** An optional expiry: ISO 8601 with a time zone, in the future. */
export function checkExpiry(argument: string, value: string | null | undefined, now = Date.now()): Date | null {
  if (value === null || value === undefined) return null;
  const parts = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.exec(value);
  const at = parts ? new Date(value) : new Date(NaN);
  // Date parsing rolls impossible dates over (2030-02-30 becomes March 2): refuse them.
  const [year, month, day, hour] = (parts ?? []).slice(1, 5).map(Number) as number[];
  const real = parts !== null && hour! < 24 && day! >= 1 && day! <= new Date(Date.UTC(year!, month!, 0)).getUTCDate() && month! >= 1 && month! <= 12;
  if (!real || Number.isNaN(at.getTime())) throw new InvalidInputError(`${argument} must be an ISO 8601 date-time with a time zone, e.g. 2030-01-01T00:00:00Z`);
  if (at.getTime() <= now) throw new InvalidInputError(`${argument} must be in the future`);
  return at;
}
