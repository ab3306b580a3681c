import { dateInputValue, describeExpiry, expiryFromDateInput, formatDateTime, relativeTime } from '../../../console/src/lib/dates';

// Local dates are built with the Date constructor, so expectations hold in any time zone.
const now = new Date(2026, 10, 26, 14, 5, 0); // 2026-11-26 14:05 local

describe('expiryFromDateInput', () => {
  test('empty means no expiry', () => {
    expect(expiryFromDateInput('', now)).toEqual({ ok: true, expiresAt: null });
    expect(expiryFromDateInput('   ', now)).toEqual({ ok: true, expiresAt: null });
  });

  test('a day lasts until the next local midnight, as ISO 8601 UTC', () => {
    expect(expiryFromDateInput('2030-01-31', now)).toEqual({ ok: true, expiresAt: new Date(2030, 1, 1).toISOString() });
    expect(expiryFromDateInput('2030-12-31', now)).toEqual({ ok: true, expiresAt: new Date(2031, 0, 1).toISOString() });
  });

  test('today is still allowed (it ends tonight); yesterday is not', () => {
    expect(expiryFromDateInput('2026-11-26', now)).toEqual({ ok: true, expiresAt: new Date(2026, 10, 27).toISOString() });
    expect(expiryFromDateInput('2026-11-25', now)).toEqual({ ok: false, message: 'the expiry date must be today or later' });
  });

  test('rejects what is not a calendar day', () => {
    expect(expiryFromDateInput('2030-02-30', now)).toEqual({ ok: false, message: '2030-02-30 is not a date in the calendar' });
    expect(expiryFromDateInput('2030-13-01', now)).toEqual({ ok: false, message: '2030-13-01 is not a date in the calendar' });
    expect(expiryFromDateInput('31/01/2030', now)).toEqual({ ok: false, message: 'enter the expiry date as YYYY-MM-DD' });
    expect(expiryFromDateInput('2030-1-5', now)).toEqual({ ok: false, message: 'enter the expiry date as YYYY-MM-DD' });
  });

  test('leap days exist only in leap years', () => {
    expect(expiryFromDateInput('2028-02-29', now).ok).toBe(true);
    expect(expiryFromDateInput('2027-02-29', now).ok).toBe(false);
  });
});

describe('display', () => {
  test('dateInputValue and formatDateTime use local time, zero-padded', () => {
    expect(dateInputValue(new Date(2030, 0, 5))).toBe('2030-01-05');
    expect(formatDateTime(new Date(2030, 0, 5, 7, 3).toISOString())).toBe('2030-01-05 07:03');
    expect(formatDateTime('not a date')).toBe('not a date');
  });

  test('relativeTime picks the largest whole unit', () => {
    const at = (ms: number) => new Date(now.getTime() + ms).toISOString();
    expect(relativeTime(at(30_000), now)).toBe('in less than a minute');
    expect(relativeTime(at(-30_000), now)).toBe('just now');
    expect(relativeTime(at(60_000), now)).toBe('in 1 minute');
    expect(relativeTime(at(-5 * 3_600_000), now)).toBe('5 hours ago');
    expect(relativeTime(at(3 * 86_400_000 + 1000), now)).toBe('in 3 days');
    expect(relativeTime(at(800 * 86_400_000), now)).toBe('in 2 years');
  });

  test('describeExpiry: never, future, expired; a picked day reads as that day', () => {
    expect(describeExpiry(null, false, now)).toBe('never expires');
    expect(describeExpiry(new Date(2026, 11, 1).toISOString(), false, now)).toBe('expires at the end of 2026-11-30 (in 4 days)');
    expect(describeExpiry(new Date(2026, 10, 25, 9, 30).toISOString(), true, now)).toBe('expired at 2026-11-25 09:30 (1 day ago)');
  });
});
