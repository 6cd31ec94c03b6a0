import type { Db } from '../db/open.js';

export const DEMO_MARKER = 'demo_seeded_at';

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
      DELETE FROM components;
    `);
    db.prepare('DELETE FROM meta WHERE key = ?').run(DEMO_MARKER);
  })();
  return true;
}
