import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../src/probes/types.js';
import { ADMIN, addOperator } from '../auth/helpers.js';
import { makeTestApp, type TestApp } from '../helpers/app.js';
import { browser, pageId, type Browser } from './session.js';

const YAML = `
page: { id: acme, name: Acme, url: "https://status.acme.example", time_zone: Etc/UTC }
monitoring: { auto_incidents: draft }
components:
  - { id: api, name: API }
probes:
  - { id: api, component: api, type: http, url: "https://api.internal.acme.example/", fail_after: 1, recover_after: 1 }
`;
const DOWN: ProbeResult = { outcome: 'down', ok: false, message: 'HTTP 503 from api.internal.acme.example', latencyMs: 40, layer: 'http_status', code: 'HTTP_503' };

let t: TestApp;
let ada: Browser;
beforeEach(async () => {
  t = await makeTestApp({ yaml: YAML });
  await addOperator(t.app.store, ADMIN, 'admin', t.clock.ms);
  ada = await browser(t, ADMIN);
});
afterEach(() => t.close());

const get: Browser['get'] = (url) => ada.get(url);
/** Posts exactly these fields: each test says whether the CSRF token goes with them. */
const post = (url: string, fields: Record<string, string>) => ada.post(url, fields, null);

describe('admin: drafts opened by the probes', () => {
  it('lists the draft, explains it, and publishes it on the public page with one click', async () => {
    t.app.monitor.handle([{ probeId: 'api', at: t.clock.advance(30_000), result: DOWN }]);
    const draft = t.app.store.incidents.openAutomatic('api')!;
    expect(draft.published).toBe(false);

    const list = await get('/admin/incidents');
    expect(list.body).toMatch(/Investigating issues with API<\/a> <span class="badge status-investigating">Investigating<\/span> <span class="badge draft">Draft<\/span>/);
    const page = await get(`/admin/incidents/${draft.id}`);
    expect(page.body).toContain('Not on the public page yet');
    expect(page.body).toContain(`action="/admin/incidents/${draft.id}/publish"`);
    // The operator sees the layer in plain words; the page never shows the probe's target.
    expect(page.body).toContain('requests returned an unexpected HTTP status (HTTP 503)');
    expect(page.body).not.toContain('api.internal.acme.example');
    expect((await t.app.inject('/api/v2/incidents/unresolved.json')).json().incidents).toEqual([]);

    // Without the CSRF token nothing changes.
    const refused = await post(`/admin/incidents/${draft.id}/publish`, {});
    expect(refused.statusCode).toBe(403);
    expect(t.app.store.incidents.get(draft.id)!.published).toBe(false);

    const published = await post(`/admin/incidents/${draft.id}/publish`, { _csrf: ada.csrf });
    expect(published.statusCode).toBe(303);
    expect(t.app.store.incidents.get(draft.id)!.published).toBe(true);
    const unresolved = (await t.app.inject('/api/v2/incidents/unresolved.json')).json().incidents;
    expect(unresolved.map((i: { id: string }) => i.id)).toEqual([draft.id]);
    expect((await get(`/admin/incidents/${draft.id}`)).body).not.toContain('Not on the public page yet');

    // A second click (a double submit) is refused politely, not a 500.
    const again = await post(`/admin/incidents/${draft.id}/publish`, { _csrf: ada.csrf });
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain('already published');
  });
});

describe('admin: whether an incident is announced', () => {
  const ANNOUNCING = `
page: { id: acme, name: Acme, url: "https://status.acme.example", time_zone: Etc/UTC }
components:
  - { id: api, name: API }
announce:
  - { id: hooks, type: webhook, url: "http://127.0.0.1:9/hook", secret: "0123456789abcdef0123456789abcdef" }
`;
  const outbox = () => t.db.prepare('SELECT kind FROM outbox ORDER BY seq').all().map((r) => (r as { kind: string }).kind);

  it('announces by default, and not when the operator unticks the box', async () => {
    await t.close();
    t = await makeTestApp({ yaml: ANNOUNCING });
    await addOperator(t.app.store, ADMIN, 'admin', t.clock.ms);
    ada = await browser(t, ADMIN);
    const csrf = ada.csrf;
    const newForm = await get('/admin/incidents/new');
    expect(newForm.body).toMatch(/<input type="checkbox" id="inc-announce" name="deliver_notifications" value="1" checked>/);

    const quiet = await post('/admin/incidents', { _csrf: csrf, action: 'create', name: 'Quiet fix', status: 'investigating', impact: '', message: 'x' });
    expect(quiet.statusCode).toBe(303);
    expect(outbox()).toEqual([]);
    const id = pageId(quiet.headers.location);
    expect((await get(`/admin/incidents/${id}`)).body).toMatch(/id="upd-announce" name="deliver_notifications" value="1" checked>/);

    const loud = await post(`/admin/incidents/${id}/updates`, { _csrf: csrf, status: 'resolved', message: 'Fixed.', deliver_notifications: '1', form: 'resolve' });
    expect(loud.statusCode).toBe(303);
    expect(outbox()).toEqual(['incident.resolved']);
    const rows = t.db.prepare('SELECT deliver_notifications FROM incident_updates ORDER BY rowid').all();
    expect(rows).toEqual([{ deliver_notifications: 0 }, { deliver_notifications: 1 }]);
  });
});
