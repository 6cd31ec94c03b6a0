import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/load.js';
import { seedDemo } from '../../src/demo/seed.js';
import { DEMO_CONFIG } from '../../src/settings.js';
import { DEMO_MAX_AGE_MS, expireStaleDemo, purgeDemoData } from '../../src/store/demo-data.js';
import { makeTestApp, type TestApp } from '../helpers/app.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('the bundled demo', () => {
  it('is a valid config', () => {
    expect(loadConfigFile(DEMO_CONFIG).config.page.id).toBe('outpost-demo');
  });

  it('seeds groups, 90 days of history, a resolved incident with updates, an active incident and upcoming maintenance, once', async () => {
    const t = (app = await makeTestApp({ yaml: readFileSync(DEMO_CONFIG, 'utf8'), demo: true }));
    expect(seedDemo(t.app.store, t.clock.ms, 'Europe/Zurich')).toBe(true);
    expect(seedDemo(t.app.store, t.clock.ms, 'Europe/Zurich')).toBe(false);
    await t.app.publisher.idle();
    const summary = (await t.app.inject('/api/v2/summary.json')).json();
    expect(summary.outpost).toEqual({ demo: true, monitoring: { interrupted: false, since: null } });
    expect(summary.incidents).toHaveLength(1);
    expect(summary.scheduled_maintenances.map((m: { status: string }) => m.status)).toEqual(['scheduled']);
    const api = summary.components.find((c: { id: string }) => c.id === 'api');
    expect(api.outpost.affected_by).toEqual([{ id: 'cache', name: 'Cache tier', status: 'degraded_performance' }]);
    const { incidents } = (await t.app.inject('/api/v2/incidents.json')).json();
    const dns = incidents.find((i: { name: string }) => i.name.startsWith('DNS resolution'));
    expect(dns.incident_updates.length).toBeGreaterThanOrEqual(4);
    expect(dns.status).toBe('postmortem');
    const page = (await t.app.inject('/')).body;
    expect(page).toContain('Demo data.');
    expect(page).not.toContain('no data</span>');
    expect(api.outpost.uptime.last_90_days).toBeLessThan(100);
    expect(api.outpost.uptime.last_90_days).toBeGreaterThan(99);
  });

  it('is removed when a configured instance starts on a demo database', async () => {
    const t = (app = await makeTestApp({ yaml: readFileSync(DEMO_CONFIG, 'utf8'), demo: true }));
    seedDemo(t.app.store, t.clock.ms, 'Europe/Zurich');
    expect(purgeDemoData(t.db)).toBe(true);
    expect(t.db.prepare('SELECT count(*) AS n FROM incidents').get()).toEqual({ n: 0 });
    expect(t.db.prepare('SELECT count(*) AS n FROM component_daily_status').get()).toEqual({ n: 0 });
    expect(purgeDemoData(t.db)).toBe(false);
  });

  it('is seeded afresh when a demo start finds it stale, and kept while it is recent', async () => {
    const t = (app = await makeTestApp({ yaml: readFileSync(DEMO_CONFIG, 'utf8'), demo: true }));
    const seededAt = t.clock.ms;
    seedDemo(t.app.store, seededAt, 'Europe/Zurich');
    const count = () => t.db.prepare('SELECT count(*) AS n FROM incidents').get() as { n: number };
    const seeded = count().n;
    expect(seeded).toBeGreaterThan(0);

    expect(expireStaleDemo(t.db, seededAt + DEMO_MAX_AGE_MS)).toBeNull();
    expect(count().n).toBe(seeded);

    const later = seededAt + 3 * 24 * 3_600_000;
    expect(expireStaleDemo(t.db, later)).toBe(3 * 24 * 3_600_000);
    expect(count().n).toBe(0);
    // The next seed is relative to the later clock: the active incident began within the last hours.
    t.clock.advance(later - seededAt);
    t.app.store.components.syncFromConfig(loadConfigFile(DEMO_CONFIG).config, later);
    expect(seedDemo(t.app.store, later, 'Europe/Zurich')).toBe(true);
    await t.app.publisher.rebuild();
    const [active] = (await t.app.inject('/api/v2/incidents/unresolved.json')).json().incidents as { created_at: string }[];
    expect(later - Date.parse(active!.created_at)).toBeLessThan(DEMO_MAX_AGE_MS);
    expect(expireStaleDemo(t.db, later + 60_000)).toBeNull();
  });

  it('treats an unreadable seed date as stale', async () => {
    const t = (app = await makeTestApp({ yaml: readFileSync(DEMO_CONFIG, 'utf8'), demo: true }));
    seedDemo(t.app.store, t.clock.ms, 'Europe/Zurich');
    t.db.prepare("UPDATE meta SET value = 'yesterday' WHERE key = 'demo_seeded_at'").run();
    expect(expireStaleDemo(t.db, t.clock.ms)).toBe(Number.POSITIVE_INFINITY);
    expect(expireStaleDemo(t.db, t.clock.ms)).toBeNull();
  });
});
