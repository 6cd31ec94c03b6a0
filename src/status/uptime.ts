import { addDays, dayKey, startOfDay } from '../util/time.js';
import { worstStatus } from './indicator.js';
import { COMPONENT_STATUSES, emptySeconds, type ComponentStatus, type StatusSeconds } from './types.js';

/** Statuspage's weighting: a partial outage counts as 30% of a major one; degraded and maintenance count as up. */
export const PARTIAL_OUTAGE_WEIGHT = 0.3;

export interface DayIncident {
  id: string;
  name: string;
  /** A maintenance is named on its days too, as such. */
  kind: 'incident' | 'maintenance';
}

export interface UptimeDay {
  day: string;
  /** null when nothing was tracked that day (before the component existed). */
  uptime: number | null;
  worst: ComponentStatus | null;
  /** Seconds tracked that day, and weighted seconds down (major + 0.3 x partial). */
  trackedSeconds: number;
  downSeconds: number;
  incidents: DayIncident[];
}

export interface ComponentUptime {
  days: UptimeDay[];
  /** Fractions (0..1) over the last 30 and 90 days, null without data. */
  uptime30: number | null;
  uptime90: number | null;
}

export function downtimeSeconds(s: StatusSeconds): number {
  return s.major_outage + PARTIAL_OUTAGE_WEIGHT * s.partial_outage;
}

export function trackedSeconds(s: StatusSeconds): number {
  return COMPONENT_STATUSES.reduce((sum, status) => sum + s[status], 0);
}

export interface UptimeInput {
  /** Closed intervals from the store, by day. */
  daily: Map<string, StatusSeconds>;
  /** The interval still open: the component's current status since it was set. */
  current: { status: ComponentStatus; since: number };
  /** Days before this one (YYYY-MM-DD) show no data. */
  startDate: string | null;
  incidentsByDay: Map<string, DayIncident[]>;
}

/** The last `days` calendar days, oldest first, ending today, with the instant each starts (and one past the end). */
export interface UptimeWindow {
  days: string[];
  /** starts[i] is when days[i] begins in the page's time zone; starts[days.length] is tomorrow's start. */
  starts: number[];
}

/** The window changes once a day: it is kept for as long as today is today (91 time-zone conversions saved a rebuild). */
let lastWindow: { key: string; window: UptimeWindow } | undefined;

export function uptimeWindow(now: number, timeZone: string, length: number): UptimeWindow {
  const today = dayKey(now, timeZone);
  const key = `${timeZone}|${today}|${length}`;
  if (lastWindow?.key === key) return lastWindow.window;
  const days = Array.from({ length }, (_, i) => addDays(today, i - length + 1));
  const window = { days, starts: [...days, addDays(today, 1)].map((d) => startOfDay(d, timeZone)) };
  lastWindow = { key, window };
  return window;
}

/**
 * The days before today, remembered per component: they change only when the component's closed
 * intervals, its current status, its start date or its incidents do (each input compared by
 * identity), so a rebuild recomputes one day per component instead of ninety.
 */
export class UptimeMemo {
  private readonly past = new Map<string, { inputs: unknown[]; days: UptimeDay[] }>();

  pastDays(componentId: string, inputs: unknown[], compute: () => UptimeDay[]): UptimeDay[] {
    const hit = this.past.get(componentId);
    if (hit && hit.inputs.length === inputs.length && hit.inputs.every((v, i) => v === inputs[i])) return hit.days;
    const days = compute();
    this.past.set(componentId, { inputs, days });
    return days;
  }
}

export function componentUptime(input: UptimeInput, window: UptimeWindow, now: number, memo?: { memo: UptimeMemo; componentId: string }): ComponentUptime {
  // Seconds of the still-open interval (current status since `since`) falling on each day.
  const since = Math.max(input.current.since, 0);
  const openSeconds = (i: number) => {
    const from = Math.max(since, window.starts[i]!);
    const to = Math.min(now, window.starts[i + 1]!);
    return to > from ? Math.round((to - from) / 1000) : 0;
  };
  const dayAt = (i: number): UptimeDay => {
    const day = window.days[i]!;
    const seconds = { ...(input.daily.get(day) ?? emptySeconds()) };
    seconds[input.current.status] += openSeconds(i);
    const tracked = input.startDate !== null && day < input.startDate ? 0 : trackedSeconds(seconds);
    const incidents = input.incidentsByDay.get(day) ?? [];
    if (tracked === 0) return { day, uptime: null, worst: null, trackedSeconds: 0, downSeconds: 0, incidents };
    const down = downtimeSeconds(seconds);
    return {
      day,
      uptime: (tracked - down) / tracked,
      worst: worstStatus(COMPONENT_STATUSES.filter((s) => seconds[s] > 0)),
      trackedSeconds: tracked,
      downSeconds: down,
      incidents,
    };
  };
  const last = window.days.length - 1;
  // Before today, `now` no longer matters: every earlier day ends before it.
  const computePast = () => Array.from({ length: last }, (_, i) => dayAt(i));
  const past = memo
    ? memo.memo.pastDays(memo.componentId, [window, input.daily, input.current.status, input.current.since, input.startDate, input.incidentsByDay], computePast)
    : computePast();
  const days = [...past, dayAt(last)];
  return { days, uptime30: overall(days.slice(-30)), uptime90: overall(days) };
}

function overall(days: UptimeDay[]): number | null {
  let tracked = 0;
  let down = 0;
  for (const d of days) {
    tracked += d.trackedSeconds;
    down += d.downSeconds;
  }
  return tracked === 0 ? null : (tracked - down) / tracked;
}
