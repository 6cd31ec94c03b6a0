import { describe, expect, it } from 'vitest';
import { splitByDay } from '../../src/store/history.js';
import { componentUptime, UptimeMemo, uptimeWindow } from '../../src/status/uptime.js';
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

  it.each([
    // Clocks jump from 00:00 to 01:00: the day starts at 01:00 local, and is 23 hours long.
    ['America/Santiago', '2026-09-06', '2026-09-06T04:00:00.000Z'],
    ['America/Havana', '2026-03-08', '2026-03-08T05:00:00.000Z'],
    ['Europe/Zurich', '2026-03-29', '2026-03-28T23:00:00.000Z'],
    ['Europe/Zurich', '2026-10-25', '2026-10-24T22:00:00.000Z'],
    ['Asia/Kolkata', '2026-11-22', '2026-11-21T18:30:00.000Z'],
  ])('starts each day of %s at its first instant: %s', (tz, day, iso) => {
    const start = startOfDay(day, tz);
    expect(new Date(start).toISOString()).toBe(iso);
    const next = startOfDay(new Date(Date.parse(`${day}T12:00:00Z`) + DAY).toISOString().slice(0, 10), tz);
    expect(splitByDay(start, next, tz).map(([d]) => d)).toEqual([day]);
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

describe('UptimeMemo: the past is kept, never stale', () => {
  const now = startOfDay('2026-11-22', TZ) + 12 * HOUR;
  const window = uptimeWindow(now, TZ, 90);
  const noIncidents = new Map();
  const input = (daily: Map<string, StatusSeconds>, since = startOfDay('2026-11-22', TZ), incidentsByDay = noIncidents) => ({
    daily,
    current: { status: 'operational' as const, since },
    startDate: null,
    incidentsByDay,
  });

  it('reuses the days before today while the inputs are the same objects, and recomputes when one changes', () => {
    const memo = new UptimeMemo();
    const daily = new Map([['2026-11-21', secs({ operational: 86400 })]]);
    const first = componentUptime(input(daily), window, now, { memo, componentId: 'api' });
    const later = componentUptime(input(daily), window, now + HOUR, { memo, componentId: 'api' });
    expect(later.days[0]).toBe(first.days[0]);
    // Today is always computed afresh: an hour more of it is tracked.
    expect(later.days.at(-1)!.trackedSeconds).toBe(first.days.at(-1)!.trackedSeconds + 3600);

    // New rows from the store are a new map: yesterday's outage shows.
    const changed = new Map([['2026-11-21', secs({ operational: 86400 - 3600, major_outage: 3600 })]]);
    const after = componentUptime(input(changed), window, now + HOUR, { memo, componentId: 'api' });
    expect(after.days.at(-2)).toMatchObject({ day: '2026-11-21', worst: 'major_outage', downSeconds: 3600 });
    expect(after.days[0]).not.toBe(first.days[0]);

    // So does a status whose open interval began days ago.
    const longOpen = componentUptime(input(daily, startOfDay('2026-11-19', TZ)), window, now + HOUR, { memo, componentId: 'api' });
    expect(longOpen.days.at(-3)).toMatchObject({ day: '2026-11-20', trackedSeconds: 86400 });

    // And an incident on a past day.
    const withIncident = componentUptime(input(daily, undefined, new Map([['2026-11-01', [{ id: 'i1', name: 'Outage' }]]])), window, now + HOUR, { memo, componentId: 'api' });
    expect(withIncident.days.find((d) => d.day === '2026-11-01')!.incidents).toEqual([{ id: 'i1', name: 'Outage' }]);

    // Another component never sees this one's days.
    const other = componentUptime(input(new Map()), window, now, { memo, componentId: 'db' });
    expect(other.days.at(-2)).toMatchObject({ day: '2026-11-21', uptime: null });
  });

  it('gives the same days with and without the memo', () => {
    const memo = new UptimeMemo();
    const daily = new Map([
      ['2026-10-01', secs({ operational: 80000, partial_outage: 6400 })],
      ['2026-11-21', secs({ operational: 86400 })],
    ]);
    componentUptime(input(daily), window, now, { memo, componentId: 'api' });
    expect(componentUptime(input(daily), window, now + 2 * HOUR, { memo, componentId: 'api' })).toEqual(componentUptime(input(daily), window, now + 2 * HOUR));
  });

  it('moves to a new window when a day passes', () => {
    const tomorrow = uptimeWindow(now + DAY, TZ, 90);
    expect(tomorrow).not.toBe(window);
    expect(tomorrow.days.at(-1)).toBe('2026-11-23');
    expect(uptimeWindow(now + DAY + HOUR, TZ, 90)).toBe(tomorrow);
  });
});
