/**
 * Civil Code Art. 200–203 day counting: periods count in calendar days, the start day is not counted
 * (Art. 201), and a period whose last day is a statutory holiday ends on the next working day (Art. 203).
 * Dates are plain `YYYY-MM-DD` civil dates in China Standard Time (UTC+8, no daylight saving).
 */
const DAY_MS = 86_400_000;
const CST_OFFSET_MS = 8 * 3_600_000;

export const DATE_PATTERN = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

export function isDate(value: string): boolean {
  if (!DATE_PATTERN.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

/** The civil date (China Standard Time) of an instant. */
export function civilDate(instant: Date): string {
  return new Date(instant.getTime() + CST_OFFSET_MS).toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

export function addMonths(date: string, months: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (the start day not counted): daysBetween('2026-11-01', '2026-11-16') = 15. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/**
 * The last day of a period of `days` days starting the day after `start` (Art. 201), moved past statutory
 * holidays (Art. 203; `holidays` holds YYYY-MM-DD dates).
 */
export function periodEnd(start: string, days: number, holidays: ReadonlySet<string> = new Set()): string {
  let end = addDays(start, days);
  while (holidays.has(end)) end = addDays(end, 1);
  return end;
}

/**
 * "Notice at least N days before the meeting" (OW-7: 15, VC-9: 10, OW-12: 7): the days between the notice's
 * date and the meeting's date, the notice day not counted, must be at least N.
 */
export function noticeSufficient(noticeAt: Date, meetingAt: Date, days: number): boolean {
  return daysBetween(civilDate(noticeAt), civilDate(meetingAt)) >= days;
}

/** A person born-adult date: eligible iff `adultOn <= electionDay` (RC-3; both YYYY-MM-DD). */
export function adultOnDay(adultOn: string, day: string): boolean {
  return adultOn <= day;
}

/** YYYY-MM of the month before. */
export function previousPeriod(period: string): string {
  const [y, m] = period.split('-').map(Number);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

export const PERIOD_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;
