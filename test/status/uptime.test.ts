import { describe, expect, it } from 'vitest';
import { splitByDay } from '../../src/store/history.js';
import { componentUptime, uptimeWindow } from '../../src/status/uptime.js';
import { emptySeconds, type StatusSeconds } from '../../src/status/types.js';
import { DAY, HOUR, startOfDay } from '../../src/util/time.js';

const TZ = 'Europe/Zurich';
const secs = (over: Partial<StatusSeconds>): StatusSeconds => ({ ...emptySeconds(), ...over });

describe('splitByDay', () => {
  it('splits an interval at local midnight', () => {
    const from = startOfDay('2026-11-20', TZ) + 23 * HOUR;
    expect(splitByDay(from, from + 2 * HOUR, TZ)).toEqual([
      ['2026-11-20', 3600],
      ['2026-11-21', 3600],
    ]);
  });

  it('knows a DST day has 23 hours', () => {
    const from = startOfDay('2026-03-29', TZ);
    expect(splitByDay(from, startOfDay('2026-03-30', TZ), TZ)).toEqual([['2026-03-29', 23 * 3600]]);
  });

  it('is empty for an empty or reversed interval', () => {
    expect(splitByDay(1000, 1000, TZ)).toEqual([]);
    expect(splitByDay(2000, 1000, TZ)).toEqual([]);
  });
});

describe('componentUptime', () => {
  const now = startOfDay('2026-11-22', TZ) + 12 * HOUR;
  const window = uptimeWindow(now, TZ, 90);

  it('windows 90 days ending today', () => {
    expect(window.days).toHaveLength(90);
    expect(window.days.at(-1)).toBe('2026-11-22');
    expect(window.days[0]).toBe('2026-08-25');
    expect(window.starts).toHaveLength(91);
    expect(window.starts.at(-1)).toBe(startOfDay('2026-11-23', TZ));
  });

  it('weights partial outages at 30% and adds the open interval of the current status', () => {
    const daily = new Map([
      ['2026-11-20', secs({ operational: 86400 - 3600, major_outage: 3600 })],
      ['2026-11-21', secs({ operational: 86400 - 1000, partial_outage: 1000 })],
    ]);
    const u = componentUptime(
      { daily, current: { status: 'operational', since: startOfDay('2026-11-22', TZ) }, startDate: null, incidentsByDay: new Map() },
      window,
      now,
    );
    const day = (d: string) => u.days.find((x) => x.day === d)!;
    expect(day('2026-11-19').uptime).toBeNull();
    expect(day('2026-11-20')).toMatchObject({ worst: 'major_outage', downSeconds: 3600 });
    expect(day('2026-11-20').uptime).toBeCloseTo(1 - 3600 / 86400, 10);
    expect(day('2026-11-21').downSeconds).toBeCloseTo(300, 10);
    expect(day('2026-11-22')).toMatchObject({ uptime: 1, worst: 'operational', trackedSeconds: 12 * 3600 });
    const tracked = 2 * 86400 + 12 * 3600;
    expect(u.uptime90).toBeCloseTo((tracked - 3600 - 300) / tracked, 10);
    expect(u.uptime30).toBe(u.uptime90);
  });

  it('shows no data before the start date, and degraded time as up', () => {
    const daily = new Map([
      ['2026-11-20', secs({ major_outage: 86400 })],
      ['2026-11-21', secs({ degraded_performance: 86400 })],
    ]);
    const u = componentUptime(
      { daily, current: { status: 'degraded_performance', since: now }, startDate: '2026-11-21', incidentsByDay: new Map() },
      window,
      now,
    );
    expect(u.days.find((d) => d.day === '2026-11-20')!.uptime).toBeNull();
    expect(u.days.find((d) => d.day === '2026-11-21')).toMatchObject({ uptime: 1, worst: 'degraded_performance' });
    expect(u.uptime90).toBe(1);
  });

  it('counts a long-running current outage on every day it covers', () => {
    const u = componentUptime(
      { daily: new Map(), current: { status: 'major_outage', since: now - 2 * DAY }, startDate: null, incidentsByDay: new Map() },
      window,
      now,
    );
    expect(u.days.slice(-3).map((d) => d.uptime)).toEqual([0, 0, 0]);
    expect(u.uptime90).toBe(0);
  });
});
