import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOUR, MINUTE } from '../../src/util/time.js';
import { makeTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
let key: string;
beforeEach(async () => {
  t = await makeTestApp();
  key = t.app.store.apiKeys.create('deploy bot', 'editor', t.clock.ms).key;
});
afterEach(() => t.close());

const api = (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, payload?: object, auth = `OAuth ${key}`) =>
  t.app.inject({ method, url: `/api/v1/pages/acme${path}`, payload, headers: auth ? { authorization: auth } : {} });
const status = (id: string) => t.app.store.components.get(id)!.status;

describe('management API: authentication', () => {
  it('answers 401 without a key, with an unknown key, and with a revoked key; accepts OAuth and Bearer', async () => {
    expect((await api('GET', '/incidents', undefined, '')).statusCode).toBe(401);
    const unknown = await api('GET', '/incidents', undefined, 'OAuth op_nope');
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json()).toEqual({ error: 'unauthorized', message: 'API key not recognised or revoked' });
    expect((await api('GET', '/incidents')).statusCode).toBe(200);
    expect((await api('GET', '/incidents', undefined, `Bearer ${key}`)).statusCode).toBe(200);
    const [stored] = t.app.store.apiKeys.list();
    expect(t.db.prepare('SELECT key_hash FROM api_keys').get()).not.toEqual({ key_hash: key });
    t.app.store.apiKeys.revoke(stored!.id, t.clock.ms);
    expect((await api('GET', '/incidents')).statusCode).toBe(401);
  });

  it('reads never cause a rebuild', async () => {
    await t.app.publisher.idle();
    const builds = t.app.publisher.stats.builds;
    for (const path of ['/incidents', '/components', '/components/api']) expect((await api('GET', path)).statusCode).toBe(200);
    expect(t.app.publisher.stats.builds).toBe(builds);
  });

  it('answers 404 for another page id', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/pages/other/incidents', headers: { authorization: `OAuth ${key}` } });
    expect(res.statusCode).toBe(404);
  });

  it('serves an OpenAPI document generated from the validating schemas', async () => {
    const doc = (await t.app.inject('/api/v1/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    const post = doc.paths['/api/v1/pages/{page_id}/incidents'].post.requestBody.content['application/json'].schema;
    expect(post.properties.incident.required).toEqual(['name']);
    expect(post.properties.incident.properties.status.enum).toContain('identified');
  });
});

describe('management API: incidents', () => {
  it('creates an incident that sets component statuses, updates it, and resolving hands components back', async () => {
    const created = await api('POST', '/incidents', {
      incident: { name: 'Database slow', status: 'investigating', body: 'Looking **into** it.', components: { database: 'partial_outage' }, component_ids: ['api'] },
    });
    expect(created.statusCode).toBe(201);
    const incident = created.json();
    expect(incident).toMatchObject({ name: 'Database slow', status: 'investigating', impact: 'major', impact_override: null, page_id: 'acme' });
    expect(incident.components.map((c: { id: string }) => c.id).sort()).toEqual(['api', 'database']);
    expect(incident.incident_updates[0].affected_components).toEqual([{ code: 'database', name: 'Database', old_status: 'operational', new_status: 'partial_outage' }]);
    expect(status('database')).toBe('partial_outage');
    // The public page follows at once.
    expect((await t.app.inject('/api/v2/status.json')).json().status.indicator).toBe('major');

    t.clock.advance(10 * MINUTE);
    const updated = await api('PATCH', `/incidents/${incident.id}`, { incident: { status: 'identified', body: 'Disk full on the primary.' } });
    expect(updated.json().incident_updates.map((u: { status: string }) => u.status)).toEqual(['identified', 'investigating']);

    t.clock.advance(10 * MINUTE);
    const resolved = await api('PATCH', `/incidents/${incident.id}`, { incident: { status: 'resolved', body: 'Fixed.' } });
    expect(resolved.json()).toMatchObject({ status: 'resolved', resolved_at: expect.any(String) });
    expect(status('database')).toBe('operational');
    expect(t.app.store.components.get('database')!.manual).toBeNull();

    const updates = (await api('GET', `/incidents/${incident.id}/incident_updates`)).json();
    expect(updates).toHaveLength(3);
    const fixed = await api('PATCH', `/incidents/${incident.id}/incident_updates/${updates[0].id}`, { incident_update: { body: 'Fixed: the disk was grown.' } });
    expect(fixed.json().body).toBe('Fixed: the disk was grown.');
    expect((await t.app.inject(`/incidents/${incident.id}`)).body).toContain('Fixed: the disk was grown.');

    // Every write is audited with who did it, before and after.
    const audit = t.app.store.audit.list(20, 0).filter((e) => e.entityId === incident.id || e.entityId === updates[0].id);
    expect(audit.map((e) => e.action).sort()).toEqual(['incident.create', 'incident.update', 'incident.update', 'incident_update.edit']);
    expect(audit.every((e) => e.actor.kind === 'api_key' && e.actor.name === 'deploy bot')).toBe(true);
    const edit = audit.find((e) => e.action === 'incident_update.edit')!;
    expect(edit.before).toEqual({ body: 'Fixed.' });
    expect(edit.after).toEqual({ body: 'Fixed: the disk was grown.' });
  });

  it('rejects bad bodies with 422 naming each field, and writes nothing', async () => {
    const res = await api('POST', '/incidents', { incident: { status: 'on_fire', components: { database: 'broken' }, colour: 'red' } });
    expect(res.statusCode).toBe(422);
    const body = res.json();
    expect(body.error).toBe('invalid');
    expect(body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['incident', 'incident.components.database', 'incident.name', 'incident.status']);
    expect(body.message).toMatch(/incident\.status: expected one of investigating/);
    const unknown = await api('POST', '/incidents', { incident: { name: 'x', components: { nope: 'major_outage' } } });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().message).toMatch(/unknown component "nope"; expected one of: website, api, database, dns/);
    expect(t.db.prepare('SELECT count(*) AS n FROM incidents').get()).toEqual({ n: 0 });
    expect((await api('GET', '/incidents/nope')).statusCode).toBe(404);
  });

  it('deletes an incident and releases the components it held', async () => {
    const incident = (await api('POST', '/incidents', { incident: { name: 'DNS down', components: { dns: 'major_outage' } } })).json();
    expect(status('dns')).toBe('major_outage');
    // An editor's key may not: deleting is an admin's, as in the admin.
    const refused = await api('DELETE', `/incidents/${incident.id}`);
    expect(refused.statusCode).toBe(403);
    expect(status('dns')).toBe('major_outage');
    const { key: admin } = t.app.store.apiKeys.create('ops admin', 'admin', t.clock.ms);
    const deleted = await api('DELETE', `/incidents/${incident.id}`, undefined, `OAuth ${admin}`);
    expect(deleted.json().id).toBe(incident.id);
    expect(status('dns')).toBe('operational');
    expect((await api('GET', `/incidents/${incident.id}`)).statusCode).toBe(404);
  });

  it('a retried create with the same Idempotency-Key gives the first incident, not a second', async () => {
    const post = (key: string, body: object = { incident: { name: 'API errors', status: 'investigating', body: 'first' } }) =>
      t.app.inject({ method: 'POST', url: '/api/v1/pages/acme/incidents', headers: { authorization: `OAuth ${key}`, 'idempotency-key': 'deploy-42' }, payload: body });
    const invalid = await post(key, { incident: { name: '' } });
    expect(invalid.statusCode).toBe(422);
    const [a, b] = await Promise.all([post(key), post(key)]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 201]);
    expect(a.json().id).toBe(b.json().id);
    expect((await post(key)).json().id).toBe(a.json().id);
    expect((await api('GET', '/incidents')).json()).toHaveLength(1);
    // Keys are per API key: another key's request with the same value is its own.
    const { key: other } = t.app.store.apiKeys.create('other bot', 'editor', t.clock.ms);
    expect((await post(other)).statusCode).toBe(201);
    expect((await api('GET', '/incidents')).json()).toHaveLength(2);
  });

  it('refuses an Idempotency-Key used again for another body, naming the header; the same body with its keys in another order is a retry', async () => {
    const post = (body: object) =>
      t.app.inject({ method: 'POST', url: '/api/v1/pages/acme/incidents', headers: { authorization: `OAuth ${key}`, 'idempotency-key': 'deploy-43' }, payload: body });
    const first = await post({ incident: { name: 'API errors', status: 'investigating', body: 'first' } });
    expect(first.statusCode).toBe(201);
    const reordered = await post({ incident: { body: 'first', status: 'investigating', name: 'API errors' } });
    expect([reordered.statusCode, reordered.json().id]).toEqual([200, first.json().id]);
    const other = await post({ incident: { name: 'DNS errors', status: 'investigating', body: 'another incident' } });
    expect(other.statusCode).toBe(422);
    expect(other.json()).toMatchObject({ error: 'invalid', errors: [{ field: 'Idempotency-Key' }] });
    expect(other.json().message).toMatch(/used for a request with another body/);
    expect((await api('GET', '/incidents')).json().map((i: { name: string }) => i.name)).toEqual(['API errors']);
  });

  it('two concurrent updates both land', async () => {
    const incident = (await api('POST', '/incidents', { incident: { name: 'API errors', status: 'investigating', body: 'first' } })).json();
    await Promise.all([
      api('PATCH', `/incidents/${incident.id}`, { incident: { body: 'from the pager' } }),
      api('PATCH', `/incidents/${incident.id}`, { incident: { status: 'identified', body: 'from the chat bot' } }),
    ]);
    const bodies = (await api('GET', `/incidents/${incident.id}/incident_updates`)).json().map((u: { body: string }) => u.body);
    expect(bodies.sort()).toEqual(['first', 'from the chat bot', 'from the pager']);
  });

  it('moves a maintenance window with PATCH, in one transaction with its update', async () => {
    const at = (h: number) => new Date(t.clock.ms + h * HOUR).toISOString();
    const m = (await api('POST', '/incidents', { incident: { name: 'Upgrade', body: 'Planned.', scheduled_for: at(1), scheduled_until: at(2), component_ids: ['database'] } })).json();
    const moved = await api('PATCH', `/incidents/${m.id}`, { incident: { scheduled_for: at(5), scheduled_until: at(7), body: 'Moved to tonight.' } });
    expect(moved.statusCode).toBe(200);
    const ms = (iso: string) => Date.parse(iso);
    expect(ms(moved.json().scheduled_for)).toBe(ms(at(5)));
    expect(ms(moved.json().scheduled_until)).toBe(ms(at(7)));
    expect(moved.json().status).toBe('scheduled');
    expect(moved.json().incident_updates[0].body).toBe('Moved to tonight.');
    // An end before the start is refused and nothing changes: neither the window nor a new update.
    const bad = await api('PATCH', `/incidents/${m.id}`, { incident: { scheduled_until: at(4), body: 'oops' } });
    expect(bad.statusCode).toBe(422);
    const after = (await api('GET', `/incidents/${m.id}`)).json();
    expect([ms(after.scheduled_for), ms(after.scheduled_until)]).toEqual([ms(at(5)), ms(at(7))]);
    expect(after.incident_updates.map((u: { body: string }) => u.body)).toEqual(['Moved to tonight.', 'Planned.']);
    // A started window cannot be scheduled again: the timer would start it over.
    t.clock.advance(5 * HOUR);
    const { IncidentService } = await import('../../src/operations/incidents.js');
    new IncidentService(t.app.store, t.clock.now).advanceMaintenances();
    const back = await api('PATCH', `/incidents/${m.id}`, { incident: { status: 'scheduled', body: 'back' } });
    expect(back.statusCode).toBe(409);
    // Dates that do not exist, and incident statuses on a new maintenance, are refused by name.
    const feb30 = await api('POST', '/incidents', { incident: { name: 'x', scheduled_for: '2027-02-30T10:00:00Z', scheduled_until: '2027-03-02T10:00:00Z' } });
    expect(feb30.statusCode).toBe(422);
    expect(feb30.json().errors[0]).toEqual({ field: 'incident.scheduled_for', message: 'expected an ISO 8601 time with an offset, e.g. 2026-11-22T10:00:00Z' });
    const wrong = await api('POST', '/incidents', { incident: { name: 'x', status: 'investigating', scheduled_for: at(1), scheduled_until: at(2) } });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json().message).toMatch(/^incident\.status: a new maintenance starts as scheduled/);
    // The admin's window rules hold here too: not years in the past, not a year-long window.
    for (const [from, until, field] of [
      ['2020-01-01T10:00:00Z', '2020-01-01T12:00:00Z', 'scheduled_for'],
      [at(1), at(24 * 40), 'scheduled_until'],
    ] as const) {
      const refused = await api('POST', '/incidents', { incident: { name: 'Old', scheduled_for: from, scheduled_until: until } });
      expect(refused.statusCode, `${from} ${until}`).toBe(422);
      expect(JSON.stringify(refused.json())).toContain(field);
    }
    // component_ids moves a window's components; on an incident it is refused, not ignored.
    const window = (await api('POST', '/incidents', { incident: { name: 'Swap', scheduled_for: at(30), scheduled_until: at(31), component_ids: ['database'] } })).json();
    expect((await api('PATCH', `/incidents/${window.id}`, { incident: { component_ids: ['dns', 'api'] } })).statusCode).toBe(200);
    expect([...t.app.store.incidents.get(window.id)!.componentIds].sort()).toEqual(['api', 'dns']);
    // An incident has no window.
    const incident = (await api('POST', '/incidents', { incident: { name: 'API errors', status: 'investigating', body: 'x' } })).json();
    expect((await api('PATCH', `/incidents/${incident.id}`, { incident: { scheduled_for: at(1) } })).statusCode).toBe(422);
    const ids = await api('PATCH', `/incidents/${incident.id}`, { incident: { component_ids: ['dns'] } });
    expect([ids.statusCode, ids.json().errors[0].field]).toEqual([422, 'incident.component_ids']);
  });

  it('schedules maintenance that starts and completes by itself at the window edges', async () => {
    const start = new Date(t.clock.ms + HOUR).toISOString();
    const end = new Date(t.clock.ms + 3 * HOUR).toISOString();
    const created = await api('POST', '/incidents', {
      incident: { name: 'Database upgrade', body: 'Writes pause briefly.', scheduled_for: start, scheduled_until: end, component_ids: ['database'] },
    });
    expect(created.statusCode).toBe(201);
    const m = created.json();
    expect(m).toMatchObject({ status: 'scheduled', impact: 'maintenance', scheduled_auto_in_progress: true, scheduled_auto_completed: true });
    const { IncidentService } = await import('../../src/operations/incidents.js');
    const service = new IncidentService(t.app.store, t.clock.now);

    t.clock.advance(HOUR);
    expect(service.advanceMaintenances()).toBe(1);
    expect(status('database')).toBe('under_maintenance');
    await t.app.publisher.idle();
    expect((await t.app.inject('/api/v2/scheduled-maintenances/active.json')).json().scheduled_maintenances[0].id).toBe(m.id);

    t.clock.advance(2 * HOUR);
    expect(service.advanceMaintenances()).toBe(1);
    expect(status('database')).toBe('operational');
    const done = (await api('GET', `/incidents/${m.id}`)).json();
    expect(done.incident_updates.map((u: { status: string }) => u.status)).toEqual(['completed', 'in_progress', 'scheduled']);
    expect(service.advanceMaintenances()).toBe(0);
  });
});

describe('management API: components', () => {
  it('sets a status by hand, which wins over automation until handed back', async () => {
    const res = await api('PATCH', '/components/api', { component: { status: 'degraded_performance' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: 'api', status: 'degraded_performance' });
    t.app.store.components.setAutomated('api', 'major_outage', 'probes', t.clock.ms);
    expect(status('api')).toBe('degraded_performance');
    expect((await api('PATCH', '/components/api', { component: { automated: true } })).json().status).toBe('major_outage');
    expect((await api('GET', '/components')).json().map((c: { id: string }) => c.id)).toContain('group-public');
    expect((await api('GET', '/components/nope')).statusCode).toBe(404);
  });

  it('changes a description, which outpost.yaml takes back only when the file\'s own description changes', async () => {
    const desc = await api('PATCH', '/components/dns', { component: { description: '  Both providers, <b>checked</b> every 30 s ' } });
    expect(desc.statusCode).toBe(200);
    expect(desc.json().description).toBe('Both providers, <b>checked</b> every 30 s');
    const publicDns = (await t.app.inject('/api/v2/components.json')).json().components.find((c: { id: string }) => c.id === 'dns');
    expect(publicDns.description).toBe('Both providers, <b>checked</b> every 30 s');
    const page = (await t.app.inject('/')).body;
    expect(page).toContain('Both providers, &lt;b&gt;checked&lt;/b&gt; every 30 s');
    expect(t.db.prepare("SELECT action FROM audit_log WHERE entity_id = 'dns'").all()).toEqual([{ action: 'component.set_description' }]);

    const tooLong = await api('PATCH', '/components/dns', { component: { description: 'x'.repeat(501), status: 'major_outage' } });
    expect(tooLong.statusCode).toBe(422);
    expect(tooLong.json().errors).toEqual([{ field: 'component.description', message: 'expected at most 500 characters' }]);
    expect(status('dns')).toBe('operational');

    // A restart with the same file keeps the API's text; a changed file wins.
    t.app.store.components.syncFromConfig(t.config, t.clock.ms);
    expect(t.app.store.components.get('dns')!.description).toBe('Both providers, <b>checked</b> every 30 s');
    const edited = { ...t.config, components: t.config.components.map((c) => (c.id === 'dns' ? { ...c, description: 'From the file' } : c)) };
    t.app.store.components.syncFromConfig(edited, t.clock.ms);
    expect(t.app.store.components.get('dns')!.description).toBe('From the file');

    expect((await api('PATCH', '/components/dns', { component: { description: null } })).json().description).toBeNull();
  });
});

describe('management API: drafts', () => {
  it('reads and writes a draft by its id (not listed), answering with the draft itself', async () => {
    const draft = t.app.store.incidents.createIncident({ name: 'Auto draft', impact: 'major', componentIds: [], published: false, first: { status: 'investigating', body: 'Probes failing.', at: t.clock.ms } });
    await t.app.publisher.rebuild();
    expect(((await api('GET', '/incidents')).json() as { id: string }[]).map((i) => i.id)).not.toContain(draft);
    expect((await api('GET', `/incidents/${draft}`)).json()).toMatchObject({ id: draft, name: 'Auto draft' });
    const patched = await api('PATCH', `/incidents/${draft}`, { incident: { status: 'identified', body: 'Found it.' } });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ id: draft, status: 'identified' });
  });
});
