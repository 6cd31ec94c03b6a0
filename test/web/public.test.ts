import { brotliCompressSync, brotliDecompressSync, constants as zlib, gunzipSync } from 'node:zlib';
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

const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers });

describe('public routes', () => {
  it.each([
    ['/', 'text/html; charset=utf-8'],
    ['/history', 'text/html; charset=utf-8'],
    ['/history.rss', 'application/rss+xml; charset=utf-8'],
    ['/history.atom', 'application/atom+xml; charset=utf-8'],
    ['/api/v2/summary.json', 'application/json; charset=utf-8'],
    ['/api/v2/status.json', 'application/json; charset=utf-8'],
    ['/api/v2/components.json', 'application/json; charset=utf-8'],
    ['/api/v2/incidents.json', 'application/json; charset=utf-8'],
    ['/api/v2/incidents/unresolved.json', 'application/json; charset=utf-8'],
    ['/api/v2/scheduled-maintenances.json', 'application/json; charset=utf-8'],
    ['/api/v2/scheduled-maintenances/upcoming.json', 'application/json; charset=utf-8'],
    ['/api/v2/scheduled-maintenances/active.json', 'application/json; charset=utf-8'],
  ])('GET %s answers 200 with validators and CDN-friendly caching', async (url, type) => {
    const res = await get(url);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(type);
    expect(res.headers.etag).toMatch(/^"[\w-]+"$/);
    expect(new Date(res.headers['last-modified'] as string).getTime()).toBeLessThanOrEqual(t.clock.ms);
    expect(res.headers['cache-control']).toBe('public, max-age=15, stale-while-revalidate=60, stale-if-error=86400');
    expect(res.headers.vary).toBe('Accept-Encoding');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('serves the incident page with its whole timeline and postmortem', async () => {
    const res = await get(`/incidents/${ids.resolved}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Database failover');
    for (const text of ['Looking into it.', 'Primary disk full.', 'Fixed.', 'Postmortem', '<strong>disk</strong>']) expect(res.body).toContain(text);
    expect(res.body.indexOf('Fixed.')).toBeLessThan(res.body.indexOf('Looking into it.'));
    expect(res.body).toContain('Affected components: Database');
  });

  it('answers 404 with the HTML page for unknown incidents and paths, JSON for unknown API paths', async () => {
    for (const url of ['/incidents/nope', '/no/such/page', '/history?page=99', '/history?page=abc']) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.body).toContain('Not found');
    }
    const api = await get('/api/v2/nothing.json');
    expect(api.statusCode).toBe(404);
    expect(api.json()).toEqual({ error: 'not_found', message: 'no API route at GET /api/v2/nothing.json' });
  });

  it('titles every page and feed "<name> Status", without saying "Status" twice', async () => {
    const titles = async () => ({
      home: /<title>(.*?)<\/title>/.exec((await get('/')).body)?.[1],
      incident: /<title>(.*?)<\/title>/.exec((await get(`/incidents/${ids.resolved}`)).body)?.[1],
      history: /<title>(.*?)<\/title>/.exec((await get('/history')).body)?.[1],
      notFound: /<title>(.*?)<\/title>/.exec((await get('/nope')).body)?.[1],
      rss: /<channel>\s*<title>(.*?)<\/title>/.exec((await get('/history.rss')).body)?.[1],
      atom: /<feed[^>]*>\s*<id>.*?<\/id>\s*<title>(.*?)<\/title>/s.exec((await get('/history.atom')).body)?.[1],
    });
    // The issue's own example names the page "Acme Status".
    expect(await titles()).toEqual({
      home: 'Acme Status',
      incident: 'Database failover · Acme Status',
      history: 'Incident history · Acme Status',
      notFound: 'Not found · Acme Status',
      rss: 'Acme Status - Incident History',
      atom: 'Acme Status - Incident History',
    });
    await t.close();
    t = await makeTestApp({ yaml: ACME_YAML.replace('name: Acme Status', 'name: Acme') });
    ids = await seedKnown(t.app, t.clock.ms);
    expect(await titles()).toMatchObject({ home: 'Acme Status', incident: 'Database failover · Acme Status', rss: 'Acme Status - Incident History' });
  });

  it('the front page shows banner, active incident, maintenance, components, dependencies and recent days', async () => {
    const body = (await get('/')).body;
    expect(body).toContain('<h1>Partial System Outage</h1>');
    expect(body).toContain('Active incidents');
    expect(body).toContain('Slow queries');
    expect(body).toContain('Maintenance in progress');
    expect(body).toContain('DNS migration');
    expect(body).toContain('Scheduled maintenance');
    expect(body).toContain('Network upgrade');
    expect(body).toMatch(/<summary><span class="name">Public<\/span> <span class="status s-op">Operational<\/span><\/summary>/);
    expect(body).toMatch(/Affected by <a href="#c-database">Database<\/a> \(partial outage\)/);
    expect(body.match(/<h3 class="day-head">/g)).toHaveLength(14);
    expect(body).toContain('No incidents reported.');
    expect(body).toContain('<a href="/history">Incident history</a>');
    expect(body).toContain('<link rel="alternate" type="application/rss+xml"');
    expect(body).toContain('<link rel="alternate" type="application/atom+xml"');
    // 90 daily bars per component with text, not colour alone
    expect(body.match(/<ol class="bars"/g)).toHaveLength(4);
    // database: partial outage for the last 30 of the 30 minutes tracked today; weighted at 30%
    expect(body).toContain(
      '<li class="u-po r" tabindex="0"><span>22 Nov: 70.00% uptime, worst status partial outage, 9 min down, incidents: Slow queries; Database failover</span></li>',
    );
    // The 89 untracked days before today are two runs, split where phones stop showing days (30).
    expect(body).toContain('<li class="u-nd o n60 l"><span>25 Aug – 23 Oct: no data</span></li><li class="u-nd n29 r"><span>24 Oct – 21 Nov: no data</span></li>');
    // Every list still stands for exactly 90 days.
    for (const list of body.match(/<ol class="bars"[\s\S]*?<\/ol>/g)!) {
      const days = [...list.matchAll(/<li class="([^"]*)"/g)].reduce((sum, m) => sum + Number(/\bn(\d+)\b/.exec(m[1]!)?.[1] ?? 1), 0);
      expect(days).toBe(90);
    }
  });

  it("dates each update and the page's last update to the minute it shows, in the page's time zone", async () => {
    // 12:01:59.999 UTC is 13:01 in Zurich (ACME_YAML's zone): the machine-readable time says the
    // same minute as the text, without seconds the text does not show (and without rounding up).
    const at = t.clock.advance(2 * 60_000 - 1);
    t.app.store.incidents.addUpdate(ids.active, { status: 'identified', body: 'Replica found lagging.', at });
    await t.app.publisher.rebuild();
    const page = (await get('/')).body;
    expect(page).toContain('<time datetime="2026-11-22T13:01+01:00">22 Nov 2026, 13:01 CET</time>');
    expect(page).toContain('Updated <time datetime="2026-11-22T13:01+01:00">');
    expect((await get(`/incidents/${ids.active}`)).body).toContain('<time datetime="2026-11-22T13:01+01:00">22 Nov 2026, 13:01 CET</time>');
    expect(page).not.toMatch(/datetime="[^"]*:\d\d:\d\d/);
  });

  it("keeps operators' Markdown headings below the page's own: # is h4 inside an incident card", async () => {
    t.app.store.incidents.addUpdate(ids.active, { status: 'identified', body: '# Root cause\n\nA full conntrack table.\n\n## Next\n\n#### Deep', at: t.clock.advance(60_000) });
    await t.app.publisher.idle();
    for (const url of ['/', `/incidents/${ids.active}`]) {
      const body = (await get(url)).body;
      expect(body, url).toContain('<h4>Root cause</h4>');
      expect(body, url).toContain('<h5>Next</h5>');
      expect(body, url).toContain('<h6>Deep</h6>');
      expect(body.match(/<h1[ >]/g), url).toHaveLength(1);
    }
    // Cards: an h3 under "Active incidents" (h2), an h4 under a day of past incidents (h3).
    const front = (await get('/')).body;
    expect(front).toMatch(/<h2 id="active-h">Active incidents<\/h2>\s*<article[^>]*>\s*<h3 class="title">/);
    expect(front).toMatch(/<h3 class="day-head">[^<]*<\/h3>\s*<article[^>]*>\s*<h4 class="title">/);
  });

  it('shows a corrected update on the front page at the next rebuild (its card is remembered only while unchanged)', async () => {
    const active = t.app.store.incidents.get(ids.active)!;
    const before = (await get('/')).body;
    const update = active.updates[0]!;
    expect(before).toContain(update.body.split('\n')[0]!.slice(0, 20));
    t.app.store.incidents.editUpdateBody(active.id, update.id, 'Corrected: the **replica** lags.', t.clock.advance(60_000));
    await t.app.publisher.rebuild();
    const after = (await get('/')).body;
    expect(after).toContain('Corrected: the <strong>replica</strong> lags.');
    expect(after).not.toContain(update.body.split('\n')[0]!.slice(0, 20));
  });

  it('names a maintenance on the days its work ran, and not one cancelled before it began', async () => {
    const cancelled = t.app.store.incidents.createMaintenance({
      name: 'Cancelled swap',
      scheduledFor: t.clock.ms - 2 * 3_600_000,
      scheduledUntil: t.clock.ms - 3_600_000,
      componentIds: ['dns'],
      first: { status: 'scheduled', body: 'Swapping disks.', at: t.clock.ms - 5 * 3_600_000 },
    });
    t.app.store.incidents.addUpdate(cancelled, { status: 'completed', body: 'Called off.', at: t.clock.ms - 3 * 3_600_000 });
    await t.app.publisher.rebuild();
    const dns = /<div class="component" id="c-dns">[\s\S]*?<\/ol>/.exec((await get('/')).body)![0];
    const today = [...dns.matchAll(/<span>([^<]*)<\/span><\/li>/g)].at(-1)![1]!;
    expect(today).toContain('maintenance: DNS migration');
    expect(dns).not.toContain('Cancelled swap');
  });

  it('files a maintenance begun before its window under the day its work began, on the page and in history', async () => {
    const { IncidentService, SYSTEM } = await import('../../src/operations/incidents.js');
    const service = new IncidentService(t.app.store, t.clock.now);
    const early = service.createMaintenance({ name: 'Early swap', body: 'Planned.', scheduledFor: t.clock.ms + 18 * 86_400_000, scheduledUntil: t.clock.ms + 18 * 86_400_000 + 3_600_000, componentIds: ['dns'] }, SYSTEM);
    service.update(early.id, { status: 'in_progress', body: 'Started early.' }, SYSTEM);
    t.clock.advance(3_600_000);
    service.update(early.id, { status: 'completed', body: 'Done.' }, SYSTEM);
    await t.app.publisher.rebuild();
    const past = /<section aria-labelledby="past-h">[\s\S]*?<\/section>/.exec((await get('/')).body)![0];
    expect(past).toMatch(/<h3 class="day-head">22 Nov 2026<\/h3>[\s\S]*?Early swap/);
    expect((await get('/history')).body).toContain('Early swap');
  });

  it('shows a renamed incident under its new name in the uptime bars too', async () => {
    const { IncidentService, SYSTEM } = await import('../../src/operations/incidents.js');
    expect((await get('/')).body).toMatch(/incidents: Slow queries; Database failover/);
    new IncidentService(t.app.store, t.clock.now).update(ids.active, { name: 'Replica lag' }, SYSTEM);
    await t.app.publisher.rebuild();
    const body = (await get('/')).body;
    expect(body).not.toMatch(/incidents: Slow queries; Database failover/);
    expect(body).toMatch(/incidents: [^<]*Replica lag/);
  });

  it('redraws a component on the front page whenever anything it shows changes', async () => {
    const block = (body: string, id: string) => new RegExp(`<div class="component" id="c-${id}">[\\s\\S]*?\\n</div>`).exec(body)?.[0] ?? '';
    const first = (await get('/')).body;
    expect(block(first, 'api')).toContain('Affected by <a href="#c-database">Database</a> (partial outage)');
    // Its dependency recovers: the API's own status did not change, its block does.
    t.app.store.components.setStatus('database', 'operational', 'test', t.clock.advance(60_000));
    await t.app.publisher.rebuild();
    const recovered = (await get('/')).body;
    expect(block(recovered, 'api')).not.toContain('Affected by');
    expect(block(recovered, 'database')).toContain('<span class="status s-op">Operational</span>');
    // Time alone moves the others: the website's first tracked minute today.
    expect(block(first, 'website')).toContain('<li class="u-nd r"><span>22 Nov: no data</span></li>');
    expect(block(recovered, 'website')).toContain('<li class="u-op r"><span>22 Nov: no downtime</span></li>');
    // Its description, then its name (from the config).
    t.app.store.components.setDescription('website', 'The <shop> & the blog', t.clock.advance(60_000));
    await t.app.publisher.rebuild();
    expect(block((await get('/')).body, 'website')).toContain('<p class="desc muted small">The &lt;shop&gt; &amp; the blog</p>');
    const renamed = { ...t.config, components: t.config.components.map((c) => (c.id === 'website' ? { ...c, name: 'Storefront' } : c)) };
    t.app.store.components.syncFromConfig(renamed, t.clock.ms);
    await t.app.publisher.rebuild();
    expect(block((await get('/')).body, 'website')).toContain('aria-label="Storefront: daily uptime over the last 90 days"');
    // A day later, yesterday's bar is a past day and today starts a new one.
    t.clock.advance(24 * 3600_000);
    await t.app.publisher.rebuild();
    expect(block((await get('/')).body, 'database')).toMatch(/<li class="u-po r" tabindex="0"><span>22 Nov: [^<]*<\/span><\/li><li class="u-op r" tabindex="0"><span>23 Nov: no downtime, incidents: Slow queries<\/span><\/li>\s*<\/ol>/);
  });

  it('re-renders the history and incident pages of an edited incident, and reuses the others as they were', async () => {
    const { IncidentService, SYSTEM } = await import('../../src/operations/incidents.js');
    const pages = () => new Map(t.app.publisher.current.resources);
    const before = pages();
    new IncidentService(t.app.store, t.clock.now).update(ids.resolved, { name: 'Primary failover' }, SYSTEM);
    await t.app.publisher.rebuild();
    const after = pages();
    expect((await get('/history')).body).toContain('Primary failover');
    expect((await get(`/incidents/${ids.resolved}`)).body).toContain('Primary failover');
    expect(after.get('/history')).not.toBe(before.get('/history'));
    expect(after.get(`/incidents/${ids.resolved}`)).not.toBe(before.get(`/incidents/${ids.resolved}`));
    // The other incident's page kept its bytes: the same resource, not compressed again.
    expect(after.get(`/incidents/${ids.active}`)).toBe(before.get(`/incidents/${ids.active}`));
  });

  it('paginates history by month, three months a page', async () => {
    const old = t.app.store.incidents.createIncident({
      name: 'Ancient outage',
      impact: 'minor',
      componentIds: ['website'],
      first: { status: 'resolved', body: 'Long ago.', at: Date.UTC(2026, 0, 10) },
    });
    await t.app.publisher.rebuild();
    const first = (await get('/history')).body;
    // Each incident's impact in words as well as the colour of its border.
    expect(first).toMatch(/<li class="impact-major">\s*<a href="\/incidents\/[\w]+">Database failover<\/a>\s*<span class="muted small">Major impact, \d+ Nov 2026/);
    expect(first).toContain('November 2026');
    expect(first).toContain('September 2026');
    expect(first).not.toContain('August 2026');
    expect(first).toContain('Database failover');
    expect(first).toContain('Page 1 of 4');
    const last = await get('/history?page=4');
    expect(last.statusCode).toBe(200);
    expect(last.body).toContain('January 2026');
    expect(last.body).toContain(`/incidents/${old}`);
    expect(last.body).toContain('href="/history?page=3" rel="prev"');
    expect((await get('/history?page=2')).body).toContain('No incidents reported this month.');
  });

  it('opens the JSON API to other origins, with a preflight answer', async () => {
    expect((await get('/api/v2/status.json')).headers['access-control-allow-origin']).toBe('*');
    const pre = await t.app.inject({ method: 'OPTIONS', url: '/api/v2/summary.json', headers: { origin: 'https://x.example', 'access-control-request-method': 'GET' } });
    expect(pre.statusCode).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('*');
    expect(pre.headers['access-control-allow-methods']).toContain('GET');
    expect(pre.headers['access-control-allow-headers']).toContain('If-None-Match');
    // A consumer's own headers pass the preflight; something that is not a header list does not come back.
    const own = await t.app.inject({ method: 'OPTIONS', url: '/api/v2/status.json', headers: { origin: 'https://x.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-requested-with, authorization' } });
    expect(own.headers['access-control-allow-headers']).toBe('x-requested-with, authorization');
    expect(own.headers.vary).toBe('Access-Control-Request-Headers');
    const odd = await t.app.inject({ method: 'OPTIONS', url: '/api/v2/status.json', headers: { 'access-control-request-method': 'GET', 'access-control-request-headers': 'a, <b>' } });
    expect(odd.headers['access-control-allow-headers']).not.toContain('<b>');
    // A script on another site reads a 404 of the public API as a 404, not as a CORS failure.
    expect((await get('/api/v2/nothing.json')).headers['access-control-allow-origin']).toBe('*');
    expect((await get('/api/v1/nothing')).headers['access-control-allow-origin']).toBeUndefined();
  });

  it('sends a strict CSP on HTML: no scripts, nothing third-party', async () => {
    const csp = (await get('/')).headers['content-security-policy'] as string;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toMatch(/unsafe|https?:/);
    expect((await get('/')).headers['strict-transport-security']).toBe('max-age=31536000');
  });

  it('sends the security headers that do something for public content, each once', async () => {
    const page = await get('/');
    const { headers } = page;
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['x-content-type-options']).toBe('nosniff');
    // Superseded or with nothing to act on (see src/web/security.ts): one line less per response each.
    for (const name of ['x-frame-options', 'permissions-policy', 'cross-origin-resource-policy', 'referrer-policy']) {
      expect(headers[name], name).toBeUndefined();
    }
    // The referrer policy travels in the document instead, before anything the page loads.
    const head = page.body.slice(0, page.body.indexOf('</head>'));
    expect(head).toMatch(/^<!doctype html>\s*<html lang="en">\s*<head>\s*<meta charset="utf-8">\s*<meta name="referrer" content="strict-origin-when-cross-origin">/);
    expect((await get('/no-such-page')).body).toContain('<meta name="referrer" content="strict-origin-when-cross-origin">');
    const json = (await get('/api/v2/summary.json')).headers;
    expect(json['access-control-allow-origin']).toBe('*');
    expect(json['x-content-type-options']).toBe('nosniff');
    expect(json['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    for (const name of ['permissions-policy', 'cross-origin-resource-policy', 'referrer-policy']) expect(json[name], name).toBeUndefined();
  });

  it('answers other methods on public pages with 405 and what is allowed, never cached', async () => {
    for (const [method, url] of [['POST', '/'], ['DELETE', '/api/v2/summary.json'], ['PUT', `/incidents/${ids.resolved}`], ['PATCH', '/history']] as const) {
      const res = await t.app.inject({ method, url });
      expect(res.statusCode, `${method} ${url}`).toBe(405);
      expect(res.headers.allow).toBe('GET, HEAD');
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });

  it('answers HEAD like GET without a body', async () => {
    const res = await t.app.inject({ method: 'HEAD', url: '/api/v2/summary.json' });
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBe((await get('/api/v2/summary.json')).headers.etag);
    expect(res.body).toBe('');
  });

  it('serves the stylesheet with a long cache', async () => {
    const res = await get('/static/style.css');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/css/);
    expect(res.headers['cache-control']).toContain('immutable');
    const page = (await get('/')).body;
    expect(page).toMatch(/href="\/static\/style\.css\?v=[0-9a-f]{10}"/);
  });

  it('reports health from the database', async () => {
    const res = await get('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', database: 'ok' });
    expect(res.headers['cache-control']).toBe('no-store');
    // It asks the database about its own schema: a database without one is unavailable.
    t.db.exec('ALTER TABLE schema_migrations RENAME TO schema_migrations_gone');
    expect((await get('/healthz')).statusCode).toBe(503);
    t.db.exec('ALTER TABLE schema_migrations_gone RENAME TO schema_migrations');
    expect((await get('/healthz')).statusCode).toBe(200);
  });

  it('says when the page it serves has not been rebuilt for five refresh intervals', async () => {
    const refreshing = await makeTestApp({ refreshMs: 60_000 });
    try {
      expect((await refreshing.app.inject('/healthz')).json()).toMatchObject({ status: 'ok', snapshot_age_seconds: 0 });
      // The clock moves, no rebuild runs (its timer is real time): the snapshot is five minutes old.
      refreshing.clock.advance(5 * 60_000 + 1_000);
      const stale = await refreshing.app.inject('/healthz');
      expect(stale.statusCode).toBe(200); // the last good page is still worth serving
      expect(stale.json()).toMatchObject({ status: 'stale', snapshot_age_seconds: 301, rebuild_failures: 0 });
      await refreshing.app.publisher.rebuild();
      expect((await refreshing.app.inject('/healthz')).json()).toMatchObject({ status: 'ok' });
    } finally {
      await refreshing.close();
    }
  });
});

describe('conditional requests and compression', () => {
  it('answers If-None-Match with 304, for any encoding of the same bytes', async () => {
    const first = await get('/api/v2/summary.json', { 'accept-encoding': 'gzip' });
    expect(first.headers.etag).toMatch(/-gzip"$/);
    for (const encoding of ['gzip', 'br', 'identity']) {
      const res = await get('/api/v2/summary.json', { 'if-none-match': first.headers.etag as string, 'accept-encoding': encoding });
      expect(res.statusCode, encoding).toBe(304);
      expect(res.body).toBe('');
      expect(res.headers['cache-control']).toContain('max-age=15');
      // The validator of the copy the client holds, whatever encoding it asks for now (RFC 9111 4.3.4).
      expect(res.headers.etag, encoding).toBe(first.headers.etag);
    }
    const two = await get('/api/v2/summary.json', { 'if-none-match': `"nope", ${first.headers.etag}`, 'accept-encoding': 'br' });
    expect([two.statusCode, two.headers.etag]).toEqual([304, first.headers.etag]);
    expect((await get('/api/v2/summary.json', { 'if-none-match': 'W/"something-else", "nope"' })).statusCode).toBe(200);
  });

  it('never answers If-Modified-Since with 304 for a newer version made in the same second', async () => {
    t.app.store.components.setStatus('website', 'degraded_performance', 'test', t.clock.advance(1_200));
    await t.app.publisher.rebuild();
    const a = (await get('/api/v2/status.json')).headers['last-modified'] as string;
    t.app.store.components.setStatus('website', 'major_outage', 'test', t.clock.advance(300));
    await t.app.publisher.rebuild();
    const b = await get('/api/v2/status.json', { 'if-modified-since': a });
    expect(b.headers['last-modified']).toBe(a); // the same second...
    expect(b.statusCode).toBe(200); // ...but not the same bytes
    expect(b.json().status.indicator).toBe('critical');
  });

  it('answers If-Modified-Since, and lets If-None-Match win over it', async () => {
    const first = await get('/');
    const lm = first.headers['last-modified'] as string;
    expect((await get('/', { 'if-modified-since': lm })).statusCode).toBe(304);
    expect((await get('/', { 'if-modified-since': new Date(Date.parse(lm) - 1000).toUTCString() })).statusCode).toBe(200);
    expect((await get('/', { 'if-modified-since': lm, 'if-none-match': '"other"' })).statusCode).toBe(200);
    // The other two HTTP-date forms count; anything else, and a date later than now, is ignored.
    const at = new Date(Date.parse(lm));
    const rfc850 = `${at.toLocaleDateString('en-US', { weekday: 'long', timeZone: 'UTC' })}, ${lm.slice(5, 7)}-${lm.slice(8, 11)}-${lm.slice(14, 16)} ${lm.slice(17, 25)} GMT`;
    const asctime = `${lm.slice(0, 3)} ${lm.slice(8, 11)} ${String(at.getUTCDate()).padStart(2, ' ')} ${lm.slice(17, 25)} ${lm.slice(12, 16)}`;
    for (const date of [rfc850, asctime]) expect((await get('/', { 'if-modified-since': date })).statusCode, date).toBe(304);
    for (const date of ['99999', 'foo 2030', new Date(t.clock.ms + 86_400_000).toUTCString(), new Date(t.clock.ms).toISOString()]) {
      expect((await get('/', { 'if-modified-since': date })).statusCode, date).toBe(200);
    }
  });

  it('changes the ETag when the data changes, and keeps it when nothing did', async () => {
    const before = (await get('/api/v2/summary.json')).headers.etag;
    await t.app.publisher.rebuild();
    expect((await get('/api/v2/summary.json')).headers.etag).toBe(before);
    t.app.store.components.setStatus('website', 'major_outage', 'test', t.clock.advance(60_000));
    await t.app.publisher.idle();
    const after = await get('/api/v2/summary.json', { 'if-none-match': before as string });
    expect(after.statusCode).toBe(200);
    expect(after.json().status.indicator).toBe('critical');
  });

  it('serves brotli and gzip that decode to the identity bytes', async () => {
    const plain = await get('/', { 'accept-encoding': 'identity' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    const br = await get('/', { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(plain.body);
    const gz = await get('/', { 'accept-encoding': 'gzip;q=1, br;q=0' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).toString()).toBe(plain.body);
    expect(gz.rawPayload.length).toBeLessThan(plain.rawPayload.length / 3);
  });

  it('labels every public response with the encoding its bytes are in, small bodies sent as they are', async () => {
    const decode: Record<string, (b: Buffer) => Buffer> = { br: brotliDecompressSync, gzip: gunzipSync };
    const paths = [...t.app.publisher.current.resources.keys()];
    // status.json is a few hundred bytes: not worth compressing, and so sent uncompressed to everyone.
    expect(paths).toContain('/api/v2/status.json');
    let small = 0;
    for (const path of paths) {
      const plain = await get(path, { 'accept-encoding': 'identity' });
      for (const accept of ['br', 'gzip', 'gzip, deflate, br']) {
        const res = await get(path, { 'accept-encoding': accept });
        const encoding = res.headers['content-encoding'] as string | undefined;
        const body = encoding ? decode[encoding]!(res.rawPayload) : res.rawPayload;
        expect(body.toString(), `${path} with ${accept} (${encoding ?? 'identity'})`).toBe(plain.body);
        expect(Number(res.headers['content-length'])).toBe(res.rawPayload.length);
        if (!encoding) {
          small++;
          expect(res.rawPayload.length, path).toBeLessThan(512);
          expect(res.headers.etag).toBe(plain.headers.etag);
        }
      }
    }
    expect(small).toBeGreaterThan(0);
  });

  it('compresses the front page quickly at each change, then harder once settled; its ETag says which', async () => {
    const quality = (body: Buffer, q: number, lgwin = 22) =>
      brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: q, [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT, [zlib.BROTLI_PARAM_LGWIN]: lgwin } }).length;
    const front = async () => {
      const plain = await get('/', { 'accept-encoding': 'identity' });
      const br = await get('/', { 'accept-encoding': 'br' });
      const gz = await get('/', { 'accept-encoding': 'gzip' });
      expect(brotliDecompressSync(br.rawPayload).equals(plain.rawPayload)).toBe(true);
      return { plain: plain.rawPayload, identityTag: plain.headers.etag, br: br.rawPayload, brTag: br.headers.etag as string, gzipTag: gz.headers.etag };
    };
    const quick = await front();
    // What any page of that size gets (quality 8 below 64 KB): not yet the front page's final bytes.
    expect(quick.br.length).toBeGreaterThan(quality(quick.plain, 10));
    expect(quick.brTag).toBe(`W/${quick.identityTag!.slice(0, -1)}-br"`);

    await t.app.publisher.settle();
    const settled = await front();
    expect(settled.plain.equals(quick.plain)).toBe(true);
    // As hard as brotli goes (quality 11): smaller than quality 10 with any window.
    expect(settled.br.length).toBeLessThan(Math.min(...[16, 17, 18, 20, 22, 24].map((lgwin) => quality(settled.plain, 10, lgwin))));
    expect(settled.brTag).toBe(`${settled.identityTag!.slice(0, -1)}-br"`);
    expect([settled.identityTag, settled.gzipTag]).toEqual([quick.identityTag, quick.gzipTag]);
    expect(t.app.publisher.stats.settles).toBe(1);
    // A browser holding the quick bytes revalidates them: the content is the same, and the 304 names
    // the copy it holds, so that its cache updates that copy (RFC 9111 4.3.4).
    const revalidated = await get('/', { 'accept-encoding': 'br', 'if-none-match': quick.brTag });
    expect([revalidated.statusCode, revalidated.headers.etag]).toEqual([304, quick.brTag]);
    await t.app.publisher.settle();
    expect(t.app.publisher.stats.settles).toBe(1);

    // A change is served at once with quick bytes again.
    t.app.store.components.setStatus('website', 'major_outage', 'test', t.clock.advance(60_000));
    await t.app.publisher.idle();
    const changed = await front();
    expect(changed.plain.toString()).toContain('Major outage');
    expect(changed.brTag).toMatch(/^W\//);
    expect(changed.br.length).toBeGreaterThan(quality(changed.plain, 10));

    // Other pages are compressed once, and finally.
    const incident = (await get(`/incidents/${ids.resolved}`, { 'accept-encoding': 'br' })).headers.etag;
    expect(incident).toMatch(/^"[\w-]+-br"$/);
  });

  it('drops a settled copy of bytes that a rebuild replaced meanwhile', async () => {
    // Settle and rebuild race through the thread pool; either may finish first (both orders happen
    // within a few rounds here). Whichever does, the page served is the rebuilt one.
    for (let i = 0; i < 10; i++) {
      const status = i % 2 === 0 ? 'major_outage' : 'operational';
      const settling = t.app.publisher.settle();
      t.app.store.components.setStatus('website', status, 'test', t.clock.advance(60_000));
      await Promise.all([settling, t.app.publisher.rebuild()]);
      const plain = await get('/', { 'accept-encoding': 'identity' });
      const br = await get('/', { 'accept-encoding': 'br' });
      const shown = /id="c-website"[\s\S]*?<span class="status [^"]*">([^<]*)</.exec(plain.body)?.[1];
      expect(shown, `round ${i}`).toBe(status === 'major_outage' ? 'Major outage' : 'Operational');
      expect(brotliDecompressSync(br.rawPayload).toString()).toBe(plain.body);
      expect(br.headers.etag).toMatch(/^W\//);
    }
  });

  it('no request header reaches past the snapshot: no-cache gets the same bytes without a rebuild', async () => {
    const builds = t.app.publisher.stats.builds;
    const a = await get('/', { 'cache-control': 'no-cache', pragma: 'no-cache' });
    const b = await get('/', { 'cache-control': 'no-store, max-age=0' });
    expect(a.headers.etag).toBe(b.headers.etag);
    expect(t.app.publisher.stats.builds).toBe(builds);
  });
});
