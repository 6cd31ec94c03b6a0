import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../src/auth/audit-store.js';
import { auditDiff } from '../../src/web/admin-audit.js';
import type { TestApp } from '../helpers/app.js';
import { ADMIN, appWithOperators, browser, EDITOR, type Browser } from './session.js';

describe('auditDiff', () => {
  it.each([
    ['changed keys only', { status: 'operational', manual: null, same: 1 }, { status: 'major_outage', manual: null, same: 1 }, [{ key: 'status', before: '"operational"', after: '"major_outage"' }]],
    ['added and removed keys', { a: 1 }, { b: 2 }, [{ key: 'a', before: '1', after: null }, { key: 'b', before: null, after: '2' }]],
    ['nothing before', null, { name: 'x', role: 'editor' }, [{ key: 'name', before: null, after: '"x"' }, { key: 'role', before: null, after: '"editor"' }]],
    ['nothing after', { name: 'x' }, null, [{ key: 'name', before: '"x"', after: null }]],
    ['nested values compared as JSON', { m: { s: 'a', r: 'b' } }, { m: { s: 'a', r: 'c' } }, [{ key: 'm', before: '{"s":"a","r":"b"}', after: '{"s":"a","r":"c"}' }]],
    ['identical', { a: [1, 2] }, { a: [1, 2] }, []],
    ['both empty', null, null, []],
    ['not objects', [1], 'two', [{ key: '', before: '[1]', after: '"two"' }]],
  ])('%s', (_label, before, after, rows) => {
    expect(auditDiff(before, after)).toEqual(rows);
  });

  it('cuts a long value', () => {
    const [row] = auditDiff({ body: 'x'.repeat(1000) }, { body: 'y' });
    expect(row!.before).toHaveLength(300);
    expect(row!.before!.endsWith('…')).toBe(true);
  });
});

let t: TestApp;
let ada: Browser;
beforeEach(async () => {
  t = await appWithOperators();
  ada = await browser(t, ADMIN);
});
afterEach(() => t.close());

const T0 = Date.UTC(2026, 10, 1);
function fill(n: number, entry: (i: number) => Partial<Parameters<TestApp['app']['store']['audit']['record']>[0]> = () => ({})) {
  for (let i = 0; i < n; i++) {
    t.app.store.audit.record({ at: T0 + i * 1000, actor: SYSTEM_ACTOR, action: 'maintenance.start', entityType: 'incident', entityId: `m${i}`, before: { n: i }, after: { n: i + 1 }, ...entry(i) });
  }
}
/** Entity ids of the rows on a page, in order. */
const entityIds = (html: string) => [...html.matchAll(/<td data-label="Entity">[^<]*<code>([^<]+)<\/code>/g)].map((m) => m[1]!);
const olderLink = (html: string) => /<a href="([^"]+)">Older →<\/a>/.exec(html)?.[1]?.replace(/&amp;/g, '&');

describe('admin audit log', () => {
  it('shows newest first, 50 a page, with an "Older" link through every entry once', async () => {
    fill(120);
    const seen: string[] = [];
    let url: string | undefined = '/admin/audit';
    let pages = 0;
    while (url) {
      const res = await ada.get(url);
      expect(res.statusCode).toBe(200);
      const ids = entityIds(res.body);
      expect(ids.length).toBeLessThanOrEqual(50);
      seen.push(...ids);
      url = olderLink(res.body);
      pages++;
      if (pages > 1) expect(res.body).toContain('<a href="/admin/audit">← Newest</a>');
    }
    expect(pages).toBe(3);
    // The sign-in entries come first (newest), then the 120 filled ones, newest first.
    const filled = seen.filter((id) => /^m\d+$/.test(id));
    expect(filled).toEqual(Array.from({ length: 120 }, (_, i) => `m${119 - i}`));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('shows when, who, action, entity and the changed keys as an escaped before → after', async () => {
    t.app.store.audit.record({
      at: T0,
      actor: { kind: 'api_key', id: 'k1', name: 'deploy <bot>' },
      action: 'incident.update',
      entityType: 'incident',
      entityId: 'inc1',
      before: { name: 'Same', status: 'investigating' },
      after: { name: 'Same', status: '<script>alert(1)</script>' },
    });
    const html = (await ada.get('/admin/audit?type=incident')).body;
    expect(html).toContain('<th scope="row"><time datetime="2026-11-01T00:00:00.000Z">2026-11-01 00:00 UTC</time></th>');
    expect(html).toContain('<td data-label="Who"><span class="muted small">API key</span> deploy &lt;bot&gt;</td>');
    expect(html).toContain('<td data-label="Action"><code>incident.update</code></td>');
    expect(html).toContain('<td data-label="Entity">incident <code>inc1</code></td>');
    expect(html).toContain('<li><span class="key">status</span>: <del>&quot;investigating&quot;</del> → <ins>&quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;</ins></li>');
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('<span class="key">name</span>'); // unchanged keys are left out
  });

  it('filters by entity type and by actor, and keeps the filter across pages', async () => {
    fill(60, (i) => (i % 2 === 0 ? { entityType: 'component', actor: { kind: 'operator', id: 'o', name: 'grace@acme.example' } } : {}));
    const byType = (await ada.get('/admin/audit?type=component')).body;
    expect(entityIds(byType)).toEqual(Array.from({ length: 30 }, (_, i) => `m${58 - 2 * i}`));
    expect(byType).toContain('<option value="component" selected>component</option>');
    expect(byType).toContain('<option value="operator">operator</option>'); // sign-ins are in the log too

    const byActor = (await ada.get('/admin/audit?actor=grace%40acme.example')).body;
    expect(entityIds(byActor)).toHaveLength(30);
    expect(byActor).toContain('value="grace@acme.example"');

    fill(60, () => ({ entityType: 'component', at: T0 - 1_000_000 }));
    const first = (await ada.get('/admin/audit?type=component')).body;
    const next = olderLink(first)!;
    expect(next).toMatch(/^\/admin\/audit\?type=component&before=\d+\.\d+$/);
    const second = (await ada.get(next)).body;
    expect(entityIds(second).length).toBe(40);
    expect(second).toContain('<a href="/admin/audit?type=component">← Newest</a>');

    expect((await ada.get('/admin/audit?actor=nobody%40acme.example')).body).toContain('No entries match these filters.');
  });

  it('ignores a malformed cursor and shows the first page', async () => {
    fill(3);
    const res = await ada.get('/admin/audit?before=1%20OR%201=1');
    expect(res.statusCode).toBe(200);
    expect(entityIds(res.body).filter((id) => /^m\d+$/.test(id))).toEqual(['m2', 'm1', 'm0']);
  });

  it('records what the admin pages write: a status set by hand appears with its diff', async () => {
    await ada.post('/admin/components/api/status', { status: 'major_outage', reason: 'Broken' });
    const html = (await ada.get('/admin/audit?type=component')).body;
    expect(html).toContain('<td data-label="Who"><span class="muted small">operator</span> ada@acme.example');
    expect(html).toContain('<code>component.set_status</code>');
    expect(html).toContain('<li><span class="key">status</span>: <del>&quot;operational&quot;</del> → <ins>&quot;major_outage&quot;</ins></li>');
    expect(html).toContain('<li><span class="key">reason</span>: <span class="muted">(none)</span> → <ins>&quot;Broken&quot;</ins></li>');
  });

  it('is for admins: an editor gets 403 and no entries; signed out redirects to sign-in', async () => {
    fill(1, () => ({ entityId: 'secret-entity' }));
    const eddie = await browser(t, EDITOR);
    const res = await eddie.get('/admin/audit');
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('This page is for admins; you are signed in as an editor.');
    expect(res.body).not.toContain('secret-entity');
    const signedOut = await t.app.inject('/admin/audit');
    expect(signedOut.statusCode).toBe(303);
    expect(signedOut.headers.location).toBe('/admin/login?next=%2Fadmin%2Faudit');
  });
});
