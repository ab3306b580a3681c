/**
 * Dates in the console: grant expiries typed as a calendar day, and times shown in
 * the viewer's time zone. The API speaks ISO 8601 with a time zone; people pick a day.
 * Every function takes `now` so tests never depend on the clock. Pure code: jest runs
 * it in node.
 */

export type ExpiryInput = { ok: true; expiresAt: string | null } | { ok: false; message: string };

/**
 * The value of an `<input type="date">` (`YYYY-MM-DD`, or empty for "never") as the
 * API's `expiresAt`. A grant "until 2030-01-31" lasts through that whole day in the
 * viewer's time zone, so it ends at the next local midnight. The day must end in the future.
 */
export function expiryFromDateInput(value: string, now: Date): ExpiryInput {
  const text = value.trim();
  if (text === '') return { ok: true, expiresAt: null };
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return { ok: false, message: 'enter the expiry date as YYYY-MM-DD' };
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const start = new Date(year, month - 1, day);
  // Date rolls 2030-02-30 over to March; a real calendar day survives the round trip.
  if (start.getFullYear() !== year || start.getMonth() !== month - 1 || start.getDate() !== day) {
    return { ok: false, message: `${text} is not a date in the calendar` };
  }
  const end = new Date(year, month - 1, day + 1);
  if (end.getTime() <= now.getTime()) return { ok: false, message: 'the expiry date must be today or later' };
  return { ok: true, expiresAt: end.toISOString() };
}

/** Today as `YYYY-MM-DD` in the viewer's time zone: the `min` of the expiry date input. */
export function dateInputValue(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** `2026-11-26 14:05` in the viewer's time zone; the raw text if it is not a date. */
export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${dateInputValue(date)} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** "in 3 days", "5 minutes ago", "just now": the distance from `now` in its largest whole unit. */
export function relativeTime(iso: string, now: Date): string {
  const diff = new Date(iso).getTime() - now.getTime();
  const abs = Math.abs(diff);
  if (abs < 60_000) return diff >= 0 ? 'in less than a minute' : 'just now';
  const units: Array<[string, number]> = [
    ['year', 365 * 86_400_000],
    ['day', 86_400_000],
    ['hour', 3_600_000],
    ['minute', 60_000],
  ];
  const [unit, size] = units.find(([, ms]) => abs >= ms)!;
  const count = Math.floor(abs / size);
  const phrase = `${count} ${unit}${count === 1 ? '' : 's'}`;
  return diff >= 0 ? `in ${phrase}` : `${phrase} ago`;
}

/**
 * How a grant's expiry reads in the member list. `expired` comes from the API (its
 * clock decides); `now` only words the distance.
 */
export function describeExpiry(expiresAt: string | null, expired: boolean, now: Date): string {
  if (expiresAt === null) return 'never expires';
  const at = new Date(expiresAt);
  // A grant made "until 2099-12-31" ends at the next local midnight: say it the way it was picked.
  const moment =
    !Number.isNaN(at.getTime()) && at.getHours() === 0 && at.getMinutes() === 0 && at.getSeconds() === 0 && at.getMilliseconds() === 0
      ? `at the end of ${dateInputValue(new Date(at.getFullYear(), at.getMonth(), at.getDate() - 1))}`
      : `at ${formatDateTime(expiresAt)}`;
  return `${expired ? 'expired' : 'expires'} ${moment} (${relativeTime(expiresAt, now)})`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
