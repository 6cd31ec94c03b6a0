import { parseFeed } from '@rowanmanning/feed-parser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACME_YAML, makeTestApp, type TestApp } from '../helpers/app.js';
import { seedKnown } from '../helpers/seed.js';

let t: TestApp;
let ids: Awaited<ReturnType<typeof seedKnown>>;
beforeEach(async () => {
  t = await makeTestApp();
  ids = await seedKnown(t.app, t.clock.ms);
});
afterEach(() => t.close());

describe('history feeds', () => {
  it('RSS 2.0: one item per incident or maintenance, guid = incident page, whole trail newest first', async () => {
    const res = await t.app.inject('/history.rss');
    const feed = parseFeed(res.body);
    expect(feed.meta.type).toBe('rss');
    expect(feed.title).toBe('Acme Status - Incident History');
    expect(feed.url).toBe('https://status.acme.example/');
    expect(feed.items).toHaveLength(4);
    const item = feed.items.find((i) => i.title === 'Database failover')!;
    expect(item.url).toBe(`https://status.acme.example/incidents/${ids.resolved}`);
    expect(item.id).toBe(`https://status.acme.example/incidents/${ids.resolved}`);
    expect(res.body).toContain(`<guid isPermaLink="true">https://status.acme.example/incidents/${ids.resolved}</guid>`);
    const trail = item.description!;
    expect(trail.indexOf('Resolved')).toBeLessThan(trail.indexOf('Identified'));
    expect(trail.indexOf('Identified')).toBeLessThan(trail.indexOf('Investigating'));
    for (const text of ['Looking into it.', 'Primary disk full.', 'Fixed.', 'Postmortem', '<strong>disk</strong>']) expect(trail).toContain(text);
    expect(item.published?.getTime()).toBeGreaterThan(0);
    // Each update reads "<status> - <its first paragraph>", with no paragraph left dangling.
    expect(trail).toMatch(/<strong>Resolved<\/strong> - Fixed\.<\/p>/);
    expect(trail).not.toContain(' - </p>');
    const maintenance = feed.items.find((i) => i.title === 'Network upgrade')!;
    expect(maintenance.description).toMatch(/THIS IS A SCHEDULED EVENT 23 Nov 2026, 13:00 CET - 23 Nov 2026, 15:00 CET/);
  });

  it('Atom 1.0: tag: ids, alternate and self links, html content with the trail', async () => {
    const res = await t.app.inject('/history.atom');
    const feed = parseFeed(res.body);
    expect(feed.meta.type).toBe('atom');
    expect(res.body).toContain('<id>tag:status.acme.example,2005:/history</id>');
    expect(feed.self).toBe('https://status.acme.example/history.atom');
    expect(feed.url).toBe('https://status.acme.example/');
    expect(feed.authors[0]?.name).toBe('Acme Status');
    const entry = feed.items.find((i) => i.title === 'Slow queries')!;
    expect(entry.id).toBe(`tag:status.acme.example,2005:Incident/${ids.active}`);
    expect(entry.url).toBe(`https://status.acme.example/incidents/${ids.active}`);
    expect(entry.content).toContain('Queries are slow.');
    expect(entry.updated?.getTime()).toBe(t.clock.ms - 20 * 60_000);
  });

  it('names the host without a port in tag: ids, and gives an update that opens with a list its own heading', async () => {
    const local = await makeTestApp({ yaml: ACME_YAML.replace('https://status.acme.example', 'http://localhost:3000') });
    try {
      const id = local.app.store.incidents.createIncident({ name: 'Queue stuck', impact: 'minor', componentIds: [], first: { status: 'investigating', body: '- workers idle\n- backlog growing', at: local.clock.ms } });
      await local.app.publisher.rebuild();
      const body = (await local.app.inject('/history.atom')).body;
      expect(body).toContain('<id>tag:localhost,2005:/history</id>');
      expect(body).toContain(`<id>tag:localhost,2005:Incident/${id}</id>`);
      const entry = parseFeed(body).items[0]!;
      expect(entry.content).toMatch(/<strong>Investigating<\/strong><\/p>\s*<ul>/);
    } finally {
      await local.close();
    }
  });

  it('orders items by latest activity, newest first, and keeps ids stable across rebuilds', async () => {
    const before = parseFeed((await t.app.inject('/history.atom')).body).items.map((i) => i.id);
    t.app.store.incidents.addUpdate(ids.resolved, { status: 'postmortem', body: 'Postmortem is up.', at: t.clock.advance(60_000) });
    await t.app.publisher.idle();
    const after = parseFeed((await t.app.inject('/history.atom')).body).items.map((i) => i.id);
    expect(after[0]).toBe(`tag:status.acme.example,2005:Incident/${ids.resolved}`);
    expect([...after].sort()).toEqual([...before].sort());
  });
});
