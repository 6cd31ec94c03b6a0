import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IncidentService } from '../../src/operations/incidents.js';
import { HOUR, MINUTE } from '../../src/util/time.js';
import type { TestApp } from '../helpers/app.js';
import { ADMIN, appWithOperators, browser, EDITOR, type Browser } from './session.js';

const YAML = `
page: { id: acme, name: Acme Status, url: "https://status.acme.example" }
components:
  - { id: website, name: Website, group: Public }
  - { id: api, name: API, group: Public }
  - { id: database, name: Database, group: Internal }
  - { id: dns, name: DNS }
probes:
  - { id: api-http, component: api, type: http, url: "https://api.acme.example/health" }
  - { id: db-port, component: database, type: tcp, host: db.acme.example, port: 5432 }
  - { id: web-http, component: website, type: http, url: "https://www.acme.example/" }
`;

let t: TestApp;
let ada: Browser;
beforeEach(async () => {
  t = await appWithOperators({ yaml: YAML });
  ada = await browser(t, ADMIN);
});
afterEach(() => t.close());

const actor = { kind: 'operator' as const, id: 'x', name: ADMIN.email };
/** The HTML of one dashboard section, from its heading to the next section. */
const section = (html: string, id: string) => {
  const start = html.indexOf(`id="${id}"`);
  expect(start, id).toBeGreaterThan(-1);
  return html.slice(start, html.indexOf('</section>', start));
};

describe('admin dashboard', () => {
  it('shows components by group with shown status, what the probes say and the override, with quick actions', async () => {
    const { components } = t.app.store;
    components.setAutomated('api', 'partial_outage', 'probe api-http', t.clock.ms);
    new IncidentService(t.app.store, t.clock.now).setComponentStatus('database', 'degraded_performance', 'Replica lagging', actor);
    const html = (await ada.get('/admin')).body;
    const comps = section(html, 'components-heading');
    expect(comps.indexOf('<caption>Public</caption>')).toBeLessThan(comps.indexOf('<caption>Internal</caption>'));
    expect(comps).toMatch(/<tr id="row-api">\s*<th scope="row">API<\/th>\s*<td data-label="Shown"><span class="badge status-partial_outage">Partial outage<\/span><\/td>\s*<td data-label="Probes say">Partial outage<\/td>\s*<td data-label="Set by hand"><span class="muted">no, automated<\/span><\/td>/);
    expect(comps).toMatch(/<tr id="row-database">[\s\S]*?<td data-label="Probes say">not confirmed yet<\/td>\s*<td data-label="Set by hand">Degraded performance <span class="muted small">since <time datetime="2026-11-22T12:00:00.000Z">2026-11-22 12:00 UTC<\/time><\/span><div class="reason small">operator ada@acme\.example: Replica lagging<\/div>/);
    expect(comps).toContain('href="/admin/components?edit=api#component-api"');
    expect(comps).toContain('action="/admin/components/database/hand-back"');
    expect(comps).not.toContain('action="/admin/components/api/hand-back"');
    // DNS has no group: it is listed, without a group caption of its own; and it has no probes.
    expect(comps).toMatch(/<tr id="row-dns">[\s\S]*?<td data-label="Probes say">no probes<\/td>/);
    // The website has a probe that has not confirmed anything yet.
    expect(comps).toMatch(/<tr id="row-website">[\s\S]*?<td data-label="Probes say">not confirmed yet<\/td>/);
    expect(html).toContain('aria-current="page">Dashboard</a>');
  });

  it('lists active incidents with a draft badge, and maintenance in progress and ahead; not what is over', async () => {
    const service = new IncidentService(t.app.store, t.clock.now);
    const live = service.create({ name: 'API errors', status: 'investigating', body: 'x', components: { api: 'major_outage' } }, actor);
    const draft = service.create({ name: 'Investigating issues with Database', status: 'investigating', body: 'x', published: false }, actor);
    const over = service.create({ name: 'Old outage', status: 'resolved', body: 'x' }, actor);
    const { incidents } = t.app.store;
    const ahead = incidents.createMaintenance({ name: 'Network upgrade', scheduledFor: t.clock.ms + 24 * HOUR, scheduledUntil: t.clock.ms + 26 * HOUR, componentIds: ['website'], first: { status: 'scheduled', body: 'x', at: t.clock.ms } });
    const now = incidents.createMaintenance({ name: 'Database patch', scheduledFor: t.clock.ms - 10 * MINUTE, scheduledUntil: t.clock.ms + HOUR, componentIds: ['database'], first: { status: 'in_progress', body: 'x', at: t.clock.ms } });
    const done = incidents.createMaintenance({ name: 'Old window', scheduledFor: t.clock.ms - 26 * HOUR, scheduledUntil: t.clock.ms - 24 * HOUR, componentIds: [], first: { status: 'completed', body: 'x', at: t.clock.ms } });

    const html = (await ada.get('/admin')).body;
    const active = section(html, 'incidents-heading');
    expect(active).toMatch(new RegExp(`href="/admin/incidents/${live.id}">API errors</a> <span class="badge status-investigating">Investigating</span> <span class="muted small">`));
    expect(active).toContain(`href="/admin/incidents/${draft.id}">Investigating issues with Database</a> <span class="badge status-investigating">Investigating</span> <span class="badge draft">Draft</span>`);
    expect(active.match(/badge draft/g)).toHaveLength(1);
    expect(active).not.toContain(over.id);

    const maintenance = section(html, 'maintenance-heading');
    expect(maintenance.indexOf(now)).toBeLessThan(maintenance.indexOf(ahead)); // in progress first
    expect(maintenance).toContain(`href="/admin/maintenance/${now}">Database patch</a> <span class="badge status-in_progress">In progress</span>`);
    expect(maintenance).toContain(`href="/admin/maintenance/${ahead}">Network upgrade</a> <span class="badge status-scheduled">Scheduled</span> <span class="muted small"><time datetime="2026-11-23T12:00:00.000Z">2026-11-23 12:00 UTC</time> to <time datetime="2026-11-23T14:00:00.000Z">2026-11-23 14:00 UTC</time>`);
    expect(maintenance).not.toContain(done);
  });

  it('says so when there is nothing to show', async () => {
    const html = (await ada.get('/admin')).body;
    expect(section(html, 'incidents-heading')).toContain('No active incidents.');
    expect(section(html, 'maintenance-heading')).toContain('No maintenance in progress or scheduled.');
    expect(section(html, 'probes-heading')).toContain('<strong>0</strong> up · <strong>0</strong> failing · 3 not run yet');
  });

  it('counts probes up and failing, and names the failing ones with their layer', async () => {
    t.app.monitor.handle([
      { probeId: 'api-http', at: t.clock.ms, result: { outcome: 'down', ok: false, layer: 'tls', code: 'CERT_HAS_EXPIRED', message: 'expired', latencyMs: null } },
      { probeId: 'db-port', at: t.clock.ms, result: { outcome: 'up', ok: true, message: 'ok', latencyMs: 3 } },
      { probeId: 'web-http', at: t.clock.ms, result: { outcome: 'up', ok: true, message: 'ok', latencyMs: 3 } },
    ]);
    t.clock.advance(MINUTE);
    t.app.monitor.handle([{ probeId: 'api-http', at: t.clock.ms, result: { outcome: 'down', ok: false, layer: 'tls', code: 'CERT_HAS_EXPIRED', message: 'expired', latencyMs: null } }]);
    expect(t.app.store.probes.states().find((s) => s.probeId === 'api-http')!.confirmed).toBe('down');

    const probes = section((await ada.get('/admin')).body, 'probes-heading');
    expect(probes).toContain('<strong>2</strong> up · <strong class="bad">1</strong> failing <span class="muted small">of 3</span>');
    expect(probes).toMatch(/<a href="\/admin\/probes#probe-api-http">api-http<\/a> <span class="badge outcome-down">Down<\/span> layer <code>tls<\/code> <code>CERT_HAS_EXPIRED<\/code> <span class="muted small">API · since 0 s ago<\/span>/);
    expect(probes).not.toContain('db-port');
  });

  it('keeps the session line small, and shows the healthy prober without an alert', async () => {
    const eddie = await browser(t, EDITOR);
    const html = (await eddie.get('/admin')).body;
    expect(html).toContain('<footer class="session muted small">');
    expect(html).toContain('Signed in as <strong>Eddie</strong> (eddie@acme.example) · Role: <strong>editor</strong>');
    expect(html).toContain('Prober healthy.');
    expect(html).not.toContain('role="alert"');
  });

  it('escapes operator-written text: incident names and override reasons', async () => {
    const service = new IncidentService(t.app.store, t.clock.now);
    service.create({ name: '<script>alert("name")</script>', status: 'investigating', body: 'x' }, actor);
    service.setComponentStatus('api', 'major_outage', '<img src=x onerror=alert(1)>', actor);
    const html = (await ada.get('/admin')).body;
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});
