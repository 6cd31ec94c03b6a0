import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../src/probes/types.js';
import { ADMIN, addOperator, FORM, form, signedIn } from '../auth/helpers.js';
import { makeTestApp, type TestApp } from '../helpers/app.js';

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
let jar: { header(): string };
let csrf: string;
beforeEach(async () => {
  t = await makeTestApp({ yaml: YAML });
  await addOperator(t.app.store, ADMIN, 'admin', t.clock.ms);
  ({ jar, csrf } = await signedIn(t.app, ADMIN));
});
afterEach(() => t.close());

const get = (url: string) => t.app.inject({ url, headers: { cookie: jar.header() } });
const post = (url: string, fields: Record<string, string>) => t.app.inject({ method: 'POST', url, headers: { ...FORM, cookie: jar.header() }, payload: form(fields) });

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

    const published = await post(`/admin/incidents/${draft.id}/publish`, { _csrf: csrf });
    expect(published.statusCode).toBe(303);
    expect(t.app.store.incidents.get(draft.id)!.published).toBe(true);
    const unresolved = (await t.app.inject('/api/v2/incidents/unresolved.json')).json().incidents;
    expect(unresolved.map((i: { id: string }) => i.id)).toEqual([draft.id]);
    expect((await get(`/admin/incidents/${draft.id}`)).body).not.toContain('Not on the public page yet');

    // A second click (a double submit) is refused politely, not a 500.
    const again = await post(`/admin/incidents/${draft.id}/publish`, { _csrf: csrf });
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain('already published');
  });
});
