import { DAY, MINUTE, offsetMinutes, wallTime } from './time.js';

/**
 * Wall-clock times typed into an HTML `datetime-local` field, read in an IANA time zone.
 *
 * A wall time can name no instant (the hour skipped when clocks go forward) or two (the hour
 * repeated when they go back). The first is refused: guessing would move a maintenance window by an
 * hour without telling anyone. The second takes the earlier instant, as Temporal's "compatible"
 * disambiguation and most calendars do; pages show the offset beside every time, so the choice is
 * visible.
 *
 *   input (Europe/Zurich)     result
 *   2026-07-01T10:00          2026-07-01T08:00Z          summer, +02:00
 *   2026-03-29T02:30          gap: does not exist        clocks jump 02:00 → 03:00
 *   2026-10-25T02:30          2026-10-25T00:30Z          first of two (+02:00, not +01:00)
 *   2026-02-30T10:00          invalid                    no such day
 */
export type LocalTimeResult = { ok: true; ms: number; ambiguous: boolean } | { ok: false; reason: 'invalid' | 'gap' };

// Browsers send YYYY-MM-DDTHH:mm, with :ss when the field has a step; a text fallback may get a space.
const PATTERN = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/;

export function parseLocalTime(text: string, timeZone: string): LocalTimeResult {
  const match = PATTERN.exec(text.trim());
  if (!match) return { ok: false, reason: 'invalid' };
  const [year, month, day, hour, minute, second] = match.slice(1).map((p) => Number(p ?? 0)) as [number, number, number, number, number, number];
  if (year < 1970 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return { ok: false, reason: 'invalid' };
  const asUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  if (new Date(asUtc).getUTCDate() !== day) return { ok: false, reason: 'invalid' };
  // Every offset the zone uses within a day either side; each that maps back to the same wall time is an answer.
  const offsets = new Set([offsetMinutes(asUtc - DAY, timeZone), offsetMinutes(asUtc, timeZone), offsetMinutes(asUtc + DAY, timeZone)]);
  const instants = [...offsets]
    .map((offset) => asUtc - offset * MINUTE)
    .filter((ms) => {
      const w = wallTime(ms, timeZone);
      return w.year === year && w.month === month && w.day === day && w.hour === hour && w.minute === minute && w.second === second;
    })
    .sort((a, b) => a - b);
  const unique = [...new Set(instants)];
  if (unique.length === 0) return { ok: false, reason: 'gap' };
  return { ok: true, ms: unique[0]!, ambiguous: unique.length > 1 };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The value a `datetime-local` field shows for an instant in the time zone: YYYY-MM-DDTHH:mm. */
export function formatLocalTime(ms: number, timeZone: string): string {
  const w = wallTime(ms, timeZone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}`;
}

/** "UTC+01:00", "UTC−05:00", "UTC": the zone's offset at that instant, for labels beside times. */
export function offsetLabel(ms: number, timeZone: string): string {
  const offset = offsetMinutes(ms, timeZone);
  if (offset === 0) return 'UTC';
  const abs = Math.abs(offset);
  return `UTC${offset < 0 ? '−' : '+'}${pad(Math.trunc(abs / 60))}:${pad(abs % 60)}`;
}
