import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MINUTE } from '../../src/util/time.js';
import { ADMIN, addOperator, csrfOf, EDITOR } from '../auth/helpers.js';
import { makeTestApp, type TestApp } from '../helpers/app.js';
import { browser, type Browser, type Fields, pageId } from './session.js';

let t: TestApp;
let ada: Browser;
beforeEach(async () => {
  t = await makeTestApp();
  await addOperator(t.app.store, ADMIN, 'admin', t.clock.ms);
  ada = await browser(t, ADMIN);
});
afterEach(() => t.close());

/** Posts a form as the signed-in browser would, with its CSRF token unless the test says otherwise. */
const post: Browser['post'] = (...args) => ada.post(...args);
const get: Browser['get'] = (url) => ada.get(url);
const status = (id: string) => t.app.store.components.get(id)!.status;

/** Every row incidents touch, and the connection's change counter: a refused form must leave all of it as it was. */
function rows() {
  // Some tables are WITHOUT ROWID: order rows by their content.
  const all = (table: string) => t.db.prepare(`SELECT * FROM ${table}`).all().map((r) => JSON.stringify(r)).sort();
  return {
    changes: (t.db.prepare('SELECT total_changes() AS n').get() as { n: number }).n,
    incidents: all('incidents'),
    updates: all('incident_updates'),
    incidentComponents: all('incident_components'),
    updateComponents: all('incident_update_components'),
    components: all('components'),
    events: all('component_status_events'),
  };
}
const count = (table: string) => (t.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;

async function createThroughForm(fields: Fields) {
  const res = await post('/admin/incidents', { action: 'create', impact: '', ...fields });
  expect(res.statusCode, res.body).toBe(303);
  const location = String(res.headers.location);
  expect(location).toMatch(/^\/admin\/incidents\/[^/?]+\?done=/);
  return pageId(location);
}

describe('admin incidents: the life of an incident through the forms', () => {
  it('creates an incident that sets a component status and shows on the public JSON', async () => {
    const newPage = await get('/admin/incidents/new');
    expect(newPage.statusCode).toBe(200);
    expect(csrfOf(newPage.body)).toBe(ada.csrf);
    expect(newPage.body).toContain('name="component.database"');

    const id = await createThroughForm({ name: 'Database slow', status: 'investigating', message: 'Looking **into** it.', 'component.database': 'partial_outage' });
    expect(status('database')).toBe('partial_outage');
    const summary = (await t.app.inject('/api/v2/summary.json')).json();
    expect(summary.incidents.map((i: { id: string; name: string }) => [i.id, i.name])).toEqual([[id, 'Database slow']]);
    expect(summary.incidents[0].impact).toBe('major');
    expect(summary.components.find((c: { id: string }) => c.id === 'database').status).toBe('partial_outage');

    const page = await get(`/admin/incidents/${id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<strong>into</strong>');
    const list = await get('/admin/incidents');
    expect(list.body).toContain(`href="/admin/incidents/${id}"`);
    expect(list.body).toContain('href="/admin/incidents/new"');
  });

  it('posts an update, then resolving hands the component back to automation', async () => {
    const id = await createThroughForm({ name: 'API errors', status: 'investigating', message: 'Errors on the API.', 'component.api': 'major_outage' });
    expect(status('api')).toBe('major_outage');
    t.clock.advance(5 * MINUTE);

    const updated = await post(`/admin/incidents/${id}/updates`, { status: 'identified', message: 'A bad deploy.', 'component.api': 'degraded_performance' });
    expect(updated.statusCode, updated.body).toBe(303);
    expect(status('api')).toBe('degraded_performance');
    const incident = t.app.store.incidents.get(id)!;
    expect(incident.status).toBe('identified');
    expect(incident.updates.map((u) => u.body)).toEqual(['A bad deploy.', 'Errors on the API.']);

    t.clock.advance(5 * MINUTE);
    const page = await get(`/admin/incidents/${id}`);
    expect(page.body).toContain('name="keep" value="api"');
    const resolved = await post(`/admin/incidents/${id}/updates`, { form: 'resolve', status: 'resolved', message: 'Rolled back.' });
    expect(resolved.statusCode, resolved.body).toBe(303);
    expect(status('api')).toBe('operational');
    expect(t.app.store.components.get('api')!.manual).toBeNull();
    expect(t.app.store.incidents.get(id)!.status).toBe('resolved');
    const summary = (await t.app.inject('/api/v2/summary.json')).json();
    expect(summary.incidents).toEqual([]);
    expect((await get('/admin/incidents')).body).toContain('API errors');
  });

  it('resolving with "keep this status" leaves that component as the incident set it', async () => {
    const id = await createThroughForm({ name: 'Two down', status: 'investigating', message: 'x', 'component.api': 'major_outage', 'component.website': 'partial_outage' });
    const res = await post(`/admin/incidents/${id}/updates`, { form: 'resolve', status: 'resolved', message: 'Mostly fixed.', keep: ['website'] });
    expect(res.statusCode).toBe(303);
    expect(status('api')).toBe('operational');
    expect(status('website')).toBe('partial_outage');
  });

  it("edits an update's body: the public incident page shows the new text, escaped", async () => {
    const id = await createThroughForm({ name: 'Typo', status: 'investigating', message: 'Teh database is slow.' });
    const updateId = t.app.store.incidents.get(id)!.updates[0]!.id;
    const res = await post(`/admin/incidents/${id}/updates/${updateId}/edit`, { body: 'The database is slow <b>again</b>.' });
    expect(res.statusCode, res.body).toBe(303);
    const publicPage = await t.app.inject(`/incidents/${id}`);
    expect(publicPage.statusCode).toBe(200);
    expect(publicPage.body).toContain('The database is slow &lt;b&gt;again&lt;/b&gt;.');
    expect(publicPage.body).not.toContain('Teh database');
  });

  it('deletes an update, and refuses to delete the last one with the reason on the page', async () => {
    const id = await createThroughForm({ name: 'Noise', status: 'investigating', message: 'First.' });
    t.clock.advance(MINUTE);
    await post(`/admin/incidents/${id}/updates`, { status: 'monitoring', message: 'Second.' });
    const [second, first] = t.app.store.incidents.get(id)!.updates;
    // Two steps on the page: "Delete update" opens what deleting does, and only its button posts.
    const page = (await get(`/admin/incidents/${id}`)).body;
    const action = `/admin/incidents/${id}/updates/${second!.id}/delete`;
    expect(page).toMatch(new RegExp(`<details class="confirm">\\s*<summary>Delete update<span class="visually-hidden"> of [^<]+</span></summary>\\s*<p>[^<]+</p>\\s*<form method="post" action="${action}"`));
    const res = await post(action, {});
    expect(res.statusCode).toBe(303);
    expect(t.app.store.incidents.get(id)!.updates.map((u) => u.body)).toEqual(['First.']);

    const before = rows();
    const last = await post(`/admin/incidents/${id}/updates/${first!.id}/delete`, {});
    expect(last.statusCode).toBe(409);
    expect(last.body).toContain('keeps at least one update');
    expect(rows()).toEqual(before);
  });

  it('saves a postmortem', async () => {
    const id = await createThroughForm({ name: 'Outage', status: 'resolved', message: 'Done.' });
    const res = await post(`/admin/incidents/${id}/postmortem`, { body: '## What happened\nA disk filled.' });
    expect(res.statusCode).toBe(303);
    expect(t.app.store.incidents.get(id)!.postmortemBody).toBe('## What happened\nA disk filled.');
  });

  it('deleting a mistaken "resolved" reopens the incident, holding its components again', async () => {
    const id = await createThroughForm({ name: 'DB down', status: 'investigating', message: 'Looking.', 'component.database': 'major_outage' });
    expect(t.app.store.components.get('database')!.status).toBe('major_outage');
    expect((await post(`/admin/incidents/${id}/updates`, { form: 'resolve', status: 'resolved', message: 'Oops, not yet.', deliver_notifications: '1' })).statusCode).toBe(303);
    expect(t.app.store.components.get('database')!.status).toBe('operational');
    const mistaken = t.app.store.incidents.get(id)!.updates[0]!;
    expect((await post(`/admin/incidents/${id}/updates/${mistaken.id}/delete`, {})).statusCode).toBe(303);
    expect(t.app.store.incidents.get(id)).toMatchObject({ status: 'investigating', resolvedAt: null });
    expect(t.app.store.components.get('database')!.status).toBe('major_outage');
    await t.app.publisher.rebuild();
    expect((await t.app.inject('/api/v2/incidents/unresolved.json')).json().incidents.map((i: { id: string }) => i.id)).toContain(id);
  });

  it('refuses an empty update beside its field, and resolves with the usual words when none are given', async () => {
    const id = await createThroughForm({ name: 'Queue stuck', status: 'investigating', message: 'Looking.' });
    const before = rows();
    const empty = await post(`/admin/incidents/${id}/updates`, { status: 'identified', message: '   ', deliver_notifications: '1' });
    expect(empty.statusCode).toBe(422);
    expect(empty.body).toContain('Write what customers should know.');
    expect(rows()).toEqual(before);
    const resolved = await post(`/admin/incidents/${id}/updates`, { form: 'resolve', status: 'resolved', message: '', deliver_notifications: '1' });
    expect(resolved.statusCode).toBe(303);
    expect(t.app.store.incidents.get(id)!.updates[0]).toMatchObject({ status: 'resolved', body: 'This incident has been resolved.' });
  });

  it('writes a postmortem only once the incident is resolved: an open one keeps its components and its place', async () => {
    const id = await createThroughForm({ name: 'Still open', status: 'investigating', message: 'Looking.' });
    expect((await get(`/admin/incidents/${id}`)).body).toContain('A postmortem can be written once the incident is resolved.');
    const before = rows();
    const res = await post(`/admin/incidents/${id}/postmortem`, { body: 'Too early.' });
    expect(res.statusCode).toBe(409);
    expect(res.body).toContain('once the incident is resolved');
    expect(rows()).toEqual(before);
    expect(t.app.store.incidents.get(id)).toMatchObject({ status: 'investigating', postmortemBody: null });
  });

  it('answers 404 for an unknown incident and re-renders with 404 for an unknown update, writing nothing', async () => {
    const id = await createThroughForm({ name: 'Known', status: 'investigating', message: 'x' });
    const before = rows();
    expect((await get('/admin/incidents/nope')).statusCode).toBe(404);
    expect((await post('/admin/incidents/nope/updates', { status: 'identified', message: 'x' })).statusCode).toBe(404);
    const res = await post(`/admin/incidents/${id}/updates/nope/edit`, { body: 'new' });
    expect(res.statusCode).toBe(404);
    expect(res.body).toContain('No incident update with id');
    expect(res.body).not.toMatch(/at .*\.ts:\d+/);
    expect(rows()).toEqual(before);
  });
});

describe('admin incidents: refused forms write nothing', () => {
  it.each([
    ['missing', null],
    ['empty', ''],
    ['wrong', 'not-the-token'],
  ])('a %s CSRF token gives 403 on every form', async (_label, token) => {
    const id = await createThroughForm({ name: 'Existing', status: 'investigating', message: 'x', 'component.dns': 'degraded_performance' });
    const updateId = t.app.store.incidents.get(id)!.updates[0]!.id;
    t.clock.advance(2 * MINUTE);
    const before = rows();
    const attempts: [string, Fields][] = [
      ['/admin/incidents', { action: 'create', name: 'Forged', status: 'investigating', impact: '', message: 'x', 'component.api': 'major_outage' }],
      [`/admin/incidents/${id}/updates`, { status: 'resolved', message: 'forged' }],
      [`/admin/incidents/${id}/updates/${updateId}/edit`, { body: 'forged' }],
      [`/admin/incidents/${id}/updates/${updateId}/delete`, {}],
      [`/admin/incidents/${id}/postmortem`, { body: 'forged' }],
    ];
    for (const [url, fields] of attempts) {
      const res = await post(url, token === null ? fields : { ...fields, _csrf: token }, null);
      expect(res.statusCode, url).toBe(403);
    }
    expect(rows()).toEqual(before);
    expect(count('incidents')).toBe(1);
  });

  it.each([
    ['an empty name', { name: '   ' }, 'name', 'Enter a name for the incident.'],
    ['an unknown status', { status: 'on_fire' }, 'status', 'Choose investigating, identified, monitoring or resolved.'],
    ['an over-long name', { name: 'n'.repeat(201) }, 'name', 'A name has at most 200 characters.'],
    ['an over-long message', { message: 'm'.repeat(20_001) }, 'message', 'A message has at most 20,000 characters.'],
    ['an unknown impact', { impact: 'apocalyptic' }, 'impact', 'Choose an impact, or "from components".'],
    ['an unknown component status', { 'component.api': 'melted' }, 'c-api', 'Choose a status from the list.'],
  ])('%s gives 422 with the typed values and the error beside its field', async (_label, bad, fieldId, message) => {
    const before = rows();
    const fields = { action: 'create', name: 'Search <broken> & slow', status: 'identified', impact: 'minor', message: 'Typed *text* <script>x</script>', 'component.website': 'degraded_performance', ...bad };
    const res = await post('/admin/incidents', fields);
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain(`id="inc-${fieldId}-error">${message.replace(/"/g, '&quot;')}</p>`);
    if (!('name' in bad)) expect(res.body).toContain('value="Search &lt;broken&gt; &amp; slow"');
    if (!('message' in bad)) expect(res.body).toContain('>Typed *text* &lt;script&gt;x&lt;/script&gt;</textarea>');
    if (!('status' in bad)) expect(res.body).toContain('<option value="identified" selected>');
    expect(res.body).toContain('<option value="degraded_performance" selected>');
    expect(res.body).not.toContain('<script>');
    expect(res.body).not.toMatch(/ZodError|at .*\.ts:\d+/);
    expect(rows()).toEqual(before);
  });

  it('an invalid update keeps the typed message and writes nothing', async () => {
    const id = await createThroughForm({ name: 'Open', status: 'investigating', message: 'x' });
    const before = rows();
    const res = await post(`/admin/incidents/${id}/updates`, { status: 'bogus', message: 'Still <looking>' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('id="upd-status-error"');
    expect(res.body).toContain('>Still &lt;looking&gt;</textarea>');
    expect(rows()).toEqual(before);
  });

  it('preview renders the Markdown with hostile HTML escaped and writes nothing', async () => {
    const before = rows();
    const res = await post('/admin/incidents', {
      action: 'preview',
      name: 'Preview me',
      status: 'investigating',
      impact: '',
      message: '**Bold** <img src=x onerror=alert(1)> [click](javascript:alert(1))',
      'component.api': 'major_outage',
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<strong>Bold</strong>');
    expect(res.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(res.body).not.toContain('<img');
    expect(res.body).not.toContain('href="javascript:');
    expect(res.body).toContain('value="Preview me"');
    expect(rows()).toEqual(before);
    expect(status('api')).toBe('operational');
  });
});

describe('admin incidents: the form and the management API leave the same rows', () => {
  it('given the same input', async () => {
    const key = t.app.store.apiKeys.create('deploy bot', 'editor', t.clock.ms).key;
    const input = { name: 'Same', status: 'identified', body: 'Same **body**.', components: { api: 'partial_outage', dns: 'degraded_performance' } } as const;
    const holds = (id: string) =>
      t.app.store.components
        .list()
        .filter((c) => c.manual?.reason === `incident ${id}`)
        .map((c) => [c.id, c.manual!.status]);
    const viaForm = await createThroughForm({
      name: input.name,
      status: input.status,
      message: input.body,
      'component.api': input.components.api,
      'component.dns': input.components.dns,
    });
    const formStatuses = { api: status('api'), dns: status('dns') };
    const formHolds = holds(viaForm);
    t.clock.advance(MINUTE);
    // Resolve the first so that the second starts from the same component statuses.
    await post(`/admin/incidents/${viaForm}/updates`, { form: 'resolve', status: 'resolved', message: 'x' });
    expect(status('api')).toBe('operational');
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/pages/acme/incidents', headers: { authorization: `OAuth ${key}` }, payload: { incident: input } });
    expect(res.statusCode, res.body).toBe(201);
    const viaApi = res.json().id as string;
    expect({ api: status('api'), dns: status('dns') }).toEqual(formStatuses);

    const shape = (id: string) => {
      const i = t.app.store.incidents.get(id)!;
      const first = i.updates[i.updates.length - 1]!;
      return {
        name: i.name,
        impact: i.impact,
        impactOverride: i.impactOverride,
        componentIds: [...i.componentIds].sort(),
        first: { status: first.status, body: first.body, affected: [...first.affectedComponents].sort((a, b) => a.componentId.localeCompare(b.componentId)) },
      };
    };
    expect(shape(viaForm)).toEqual(shape(viaApi));
    expect(shape(viaApi).componentIds).toEqual(['api', 'dns']);
    expect(holds(viaApi)).toEqual(formHolds);
    expect(formHolds).toEqual([
      ['api', 'partial_outage'],
      ['dns', 'degraded_performance'],
    ]);
  });
});

describe('admin incidents: deleting one', () => {
  it('is for admins: gone from the page and the JSON, its components back with their probes, audited', async () => {
    const id = await createThroughForm({ name: 'Posted by mistake', status: 'investigating', message: 'Oops.', 'component.api': 'major_outage' });
    const page = (await get(`/admin/incidents/${id}`)).body;
    expect(page).toMatch(/<summary>Delete this incident<\/summary>/);
    const res = await post(`/admin/incidents/${id}/delete`, {});
    expect([res.statusCode, res.headers.location]).toEqual([303, '/admin/incidents?deleted=1']);
    expect((await get('/admin/incidents?deleted=1')).body).toContain('Incident deleted');
    expect(t.app.store.incidents.get(id)).toBeUndefined();
    expect(status('api')).toBe('operational');
    expect((await t.app.inject('/api/v2/incidents.json')).json().incidents).toEqual([]);
    expect((await t.app.inject(`/incidents/${id}`)).statusCode).toBe(404);
    expect(t.db.prepare("SELECT action FROM audit_log WHERE action = 'incident.delete'").all()).toHaveLength(1);
  });

  it('is refused to an editor, who is not offered it', async () => {
    const id = await createThroughForm({ name: 'Stays', status: 'investigating', message: 'Real.' });
    await addOperator(t.app.store, EDITOR, 'editor', t.clock.ms);
    const eddie = await browser(t, EDITOR);
    expect((await eddie.get(`/admin/incidents/${id}`)).body).not.toContain('Delete this incident');
    const before = rows();
    expect((await eddie.post(`/admin/incidents/${id}/delete`, {})).statusCode).toBe(403);
    expect(rows()).toEqual(before);
  });
});
