/** A clock is injected everywhere so tests and the demo control "now" without sleeping. */
export type Clock = () => number;
export const systemClock: Clock = () => Date.now();

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

const partsFormatters = new Map<string, Intl.DateTimeFormat>();
function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = partsFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partsFormatters.set(timeZone, f);
  }
  return f;
}

interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function wallTime(ms: number, timeZone: string): WallTime {
  const out: Record<string, number> = {};
  for (const p of partsFormatter(timeZone).formatToParts(ms)) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out as unknown as WallTime;
}

// Offsets only change on quarter hours (DST switches happen at :00, :30 or :45), so one Intl call
// per zone and quarter hour is enough. Intl formatting costs microseconds; a snapshot asks thousands
// of times. Bounded: cleared when full.
const QUARTER = 15 * MINUTE;
const offsetCache = new Map<string, Map<number, number>>();
const OFFSET_CACHE_LIMIT = 50_000;

/** Offset of the time zone from UTC at that instant, in minutes (east positive). */
export function offsetMinutes(ms: number, timeZone: string): number {
  let zone = offsetCache.get(timeZone);
  if (!zone) offsetCache.set(timeZone, (zone = new Map()));
  const bucket = Math.floor(ms / QUARTER);
  let offset = zone.get(bucket);
  if (offset === undefined) {
    const at = bucket * QUARTER;
    const w = wallTime(at, timeZone);
    offset = Math.round((Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - at) / MINUTE);
    if (zone.size >= OFFSET_CACHE_LIMIT) zone.clear();
    zone.set(bucket, offset);
  }
  return offset;
}

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');

// The same incidents' timestamps are written into every rebuild's JSON and pages: each is
// formatted once. Bounded like the offsets.
const isoCache = new Map<string, Map<number, string>>();

/** ISO 8601 with the page time zone's offset, as Statuspage writes it: 2024-03-01T10:15:00.000+01:00. */
export function isoInZone(ms: number, timeZone: string): string {
  let zone = isoCache.get(timeZone);
  if (!zone) isoCache.set(timeZone, (zone = new Map()));
  let iso = zone.get(ms);
  if (iso === undefined) {
    if (zone.size >= OFFSET_CACHE_LIMIT) zone.clear();
    zone.set(ms, (iso = formatIsoInZone(ms, timeZone)));
  }
  return iso;
}

function formatIsoInZone(ms: number, timeZone: string): string {
  const offset = offsetMinutes(ms, timeZone);
  if (offset === 0) return new Date(ms).toISOString();
  const local = new Date(ms + offset * MINUTE).toISOString().slice(0, 23);
  return `${local}${offset < 0 ? '-' : '+'}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
}

/** Calendar day (YYYY-MM-DD) of the instant in the time zone. */
export function dayKey(ms: number, timeZone: string): string {
  return new Date(ms + offsetMinutes(ms, timeZone) * MINUTE).toISOString().slice(0, 10);
}

const dayStartCache = new Map<string, number>();

/** The instant a calendar day starts in the time zone (handles DST days of 23 or 25 hours). */
export function startOfDay(day: string, timeZone: string): number {
  const key = `${timeZone}|${day}`;
  const cached = dayStartCache.get(key);
  if (cached !== undefined) return cached;
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const guess = Date.UTC(y, m - 1, d);
  // Two passes settle the offset even when the day starts right after a DST switch. Where the
  // clocks jump at midnight itself (America/Santiago, America/Havana) the second pass lands in the
  // day before; the first is then the day's first instant. The start is the candidate that is in
  // the day while the millisecond before it is not.
  const first = guess - offsetMinutes(guess, timeZone) * MINUTE;
  const second = guess - offsetMinutes(first, timeZone) * MINUTE;
  const starts = (t: number) => dayKey(t, timeZone) === day && dayKey(t - 1, timeZone) !== day;
  const start = starts(second) ? second : starts(first) ? first : second;
  if (dayStartCache.size >= OFFSET_CACHE_LIMIT) dayStartCache.clear();
  dayStartCache.set(key, start);
  return start;
}

export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}
