import type { ComponentStatus, Incident, Indicator } from '../status/types.js';
import { isoInZone } from '../util/time.js';

export const STATUS_LABEL: Record<ComponentStatus, string> = {
  operational: 'Operational',
  degraded_performance: 'Degraded performance',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
  under_maintenance: 'Under maintenance',
};

export const UPDATE_STATUS_LABEL: Record<Incident['status'], string> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
  postmortem: 'Postmortem',
  scheduled: 'Scheduled',
  in_progress: 'In progress',
  verifying: 'Verifying',
  completed: 'Completed',
};

export const IMPACT_LABEL: Record<Incident['impact'], string> = {
  none: 'No impact',
  minor: 'Minor',
  major: 'Major',
  critical: 'Critical',
  maintenance: 'Maintenance',
};

/** Short CSS class per status and indicator: the page never relies on the colour alone. */
export const STATUS_CLASS: Record<ComponentStatus, string> = {
  operational: 'op',
  degraded_performance: 'dg',
  partial_outage: 'po',
  major_outage: 'mo',
  under_maintenance: 'mt',
};
export const INDICATOR_CLASS: Record<Indicator, string> = {
  none: 'op',
  minor: 'dg',
  major: 'po',
  critical: 'mo',
  maintenance: 'mt',
};

/**
 * Date and time formatting in the page's time zone, with the zone's abbreviation. Intl formatting
 * is slow next to everything else a rebuild does, and the same days and times recur in every
 * rebuild, so results are memoised (bounded).
 */
export class Dates {
  private static readonly byZone = new Map<string, Dates>();
  private readonly memo = new Map<string, string>();

  static for(timeZone: string): Dates {
    let dates = Dates.byZone.get(timeZone);
    if (!dates) Dates.byZone.set(timeZone, (dates = new Dates(timeZone)));
    return dates;
  }

  private remember(key: string, make: () => string): string {
    let value = this.memo.get(key);
    if (value === undefined) {
      if (this.memo.size >= 20_000) this.memo.clear();
      value = make();
      this.memo.set(key, value);
    }
    return value;
  }

  private readonly dateTime: Intl.DateTimeFormat;
  private readonly date: Intl.DateTimeFormat;
  private readonly month: Intl.DateTimeFormat;
  private readonly shortDate: Intl.DateTimeFormat;

  private constructor(readonly timeZone: string) {
    this.dateTime = new Intl.DateTimeFormat('en-GB', {
      timeZone, day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short',
    });
    this.date = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric' });
    this.shortDate = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short' });
    this.month = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', month: 'long', year: 'numeric' });
  }

  /** "22 Nov 2026, 14:05 CET" */
  at(ms: number): string {
    return this.remember(`t${Math.floor(ms / 60_000)}`, () => this.dateTime.format(ms));
  }

  /**
   * The minute at() shows, machine-readable for `<time datetime>`: "2026-11-22T14:05+01:00".
   * Seconds and milliseconds would say more than the text does, and cost the front page about 3%
   * of its compressed bytes (131 times on the benchmark's page, each of them all but random digits).
   */
  datetime(ms: number): string {
    const iso = isoInZone(ms, this.timeZone); // "2026-11-22T14:05:07.954+01:00", or "...Z"
    return `${iso.slice(0, 16)}${iso.slice(23)}`;
  }

  /** A calendar day key (YYYY-MM-DD) as "22 Nov 2026". */
  day(day: string): string {
    return this.remember(`d${day}`, () => this.date.format(Date.parse(`${day}T12:00:00Z`)));
  }

  /** A calendar day as "22 Nov": enough within a 90-day window, and it is said 4,500 times a page. */
  shortDay(day: string): string {
    return this.remember(`s${day}`, () => this.shortDate.format(Date.parse(`${day}T12:00:00Z`)));
  }

  /** A month key (YYYY-MM) as "November 2026". */
  monthName(month: string): string {
    return this.remember(`m${month}`, () => this.month.format(Date.parse(`${month}-15T12:00:00Z`)));
  }
}

/**
 * The title of the status page: "Acme" becomes "Acme Status", and a name that already says it
 * ("Acme Status", "Acme status page") is left as it is, never "Acme Status Status".
 */
export function statusTitle(pageName: string): string {
  return /\bstatus\b/i.test(pageName) ? pageName : `${pageName} Status`;
}

/**
 * 99.95%: two decimals, never rounding a real outage up to 100%. The nudge (1e-9 of a hundredth of
 * a percent) keeps binary floating point from flooring an exact value down (0.69 * 10000 is
 * 6899.999...); the smallest real downtime, a second of a day, is 10^4 times larger.
 */
export function percent(fraction: number | null): string {
  if (fraction === null) return 'No data';
  const floored = Math.floor(fraction * 10000 + 1e-9) / 100;
  return `${floored.toFixed(2)}%`;
}

/** "45 s", "9 min", "2 h 15 min": a downtime of a few seconds is not "0 min". */
export function duration(seconds: number): string {
  if (seconds < 59.5) return `${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
}
