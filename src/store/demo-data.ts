import type { Db } from '../db/open.js';

export const DEMO_MARKER = 'demo_seeded_at';

/**
 * The demo is seeded relative to the clock: an active incident begun an hour ago, maintenance due
 * tomorrow, history up to today. Started again days later it would show a stale "active" incident,
 * maintenance in the past and bars without data; past this age it is seeded afresh.
 */
export const DEMO_MAX_AGE_MS = 12 * 60 * 60 * 1000;

/**
 * Removes the demo data when it was seeded more than DEMO_MAX_AGE_MS before `now`, so that the
 * demo is seeded again, relative to today. Returns the age in ms of what it removed, else null.
 * Only for a demo start: a demo is for looking, and the page says so.
 */
export function expireStaleDemo(db: Db, now: number): number | null {
  const marker = db.prepare('SELECT value FROM meta WHERE key = ?').get(DEMO_MARKER) as { value: string } | undefined;
  if (!marker) return null;
  const seededAt = Date.parse(marker.value);
  // An unreadable marker is treated as stale: the seed would otherwise never be refreshed.
  const age = Number.isNaN(seededAt) ? Number.POSITIVE_INFINITY : now - seededAt;
  if (age <= DEMO_MAX_AGE_MS) return null;
  purgeDemoData(db);
  return age;
}

/**
 * A configured instance never shows demo data: when a database that held the bundled demo is
 * started with a real configuration, everything the demo wrote is removed, in one transaction.
 */
export function purgeDemoData(db: Db): boolean {
  const marker = db.prepare('SELECT value FROM meta WHERE key = ?').get(DEMO_MARKER);
  if (!marker) return false;
  db.transaction(() => {
    db.exec(`
      DELETE FROM incidents;
      DELETE FROM component_daily_status;
      DELETE FROM component_status_events;
      DELETE FROM component_dependencies;
      DELETE FROM component_holds;
      DELETE FROM components;
    `);
    db.prepare('DELETE FROM meta WHERE key = ?').run(DEMO_MARKER);
  })();
  return true;
}
