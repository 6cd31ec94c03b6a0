import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/open.js';
import { COMPONENT_STATUSES, emptySeconds, type ComponentStatus, type DailyStatus } from '../status/types.js';
import { addDays, dayKey, startOfDay } from '../util/time.js';

/** Splits [from, to) into calendar days of the time zone: [day, seconds] pairs. */
export function splitByDay(from: number, to: number, timeZone: string): [string, number][] {
  const out: [string, number][] = [];
  let day = dayKey(from, timeZone);
  let cursor = from;
  while (cursor < to) {
    const next = startOfDay(addDays(day, 1), timeZone);
    const end = Math.min(next, to);
    out.push([day, Math.round((end - cursor) / 1000)]);
    cursor = end;
    day = addDays(day, 1);
  }
  return out;
}

/** Per-component, per-day seconds in each status: the data behind the uptime bars. */
export class HistoryStore {
  private readonly credit: Record<ComponentStatus, Statement>;
  private readonly since: Statement;
  private readonly sinceFor: Statement;
  /** Rows per component from `cachedFrom` on; components credited since the last read are reloaded alone. */
  private cache = new Map<string, DailyStatus[]>();
  private cachedFrom: string | undefined;
  private readonly dirty = new Set<string>();

  constructor(private readonly db: Db) {
    this.credit = Object.fromEntries(
      COMPONENT_STATUSES.map((s) => [
        s,
        db.prepare(
          `INSERT INTO component_daily_status (component_id, day, ${s}_s) VALUES (?, ?, ?)
           ON CONFLICT (component_id, day) DO UPDATE SET ${s}_s = ${s}_s + excluded.${s}_s`,
        ),
      ]),
    ) as Record<ComponentStatus, Statement>;
    this.since = db.prepare(`SELECT * FROM component_daily_status WHERE day >= ? ORDER BY component_id, day`);
    this.sinceFor = db.prepare(`SELECT * FROM component_daily_status WHERE component_id = ? AND day >= ? ORDER BY day`);
  }

  /** Adds the time [from, to) spent in one status. Call inside the caller's transaction. */
  creditInterval(componentId: string, status: ComponentStatus, from: number, to: number, timeZone: string): void {
    for (const [day, seconds] of splitByDay(from, to, timeZone)) {
      if (seconds > 0) this.credit[status].run(componentId, day, seconds);
    }
    // Marked even if the caller's transaction rolls back: a needless reload, never a stale row.
    this.dirty.add(componentId);
  }

  /** Daily rows from firstDay on, by component. Read on every rebuild, so only changed components are reloaded. */
  dailySince(firstDay: string): Map<string, DailyStatus[]> {
    if (this.cachedFrom !== firstDay) {
      this.cache = new Map();
      for (const row of (this.since.all(firstDay) as Record<string, string | number>[]).map(toDaily)) {
        const list = this.cache.get(row.componentId);
        if (list) list.push(row);
        else this.cache.set(row.componentId, [row]);
      }
      this.cachedFrom = firstDay;
      this.dirty.clear();
    }
    for (const componentId of this.dirty) {
      this.cache.set(componentId, (this.sinceFor.all(componentId, firstDay) as Record<string, string | number>[]).map(toDaily));
    }
    this.dirty.clear();
    return this.cache;
  }
}

function toDaily(row: Record<string, string | number>): DailyStatus {
  const seconds = emptySeconds();
  for (const s of COMPONENT_STATUSES) seconds[s] = row[`${s}_s`] as number;
  return { componentId: row.component_id as string, day: row.day as string, seconds };
}
