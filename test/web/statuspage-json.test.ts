import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app.js';
import { seedKnown } from '../helpers/seed.js';
import { documents } from './statuspage-schemas.js';

const ajv = new Ajv({ allErrors: true, strict: false });
(addFormats as unknown as (a: Ajv) => void)(ajv);

let t: TestApp;
let ids: Awaited<ReturnType<typeof seedKnown>>;
beforeEach(async () => {
  t = await makeTestApp();
  ids = await seedKnown(t.app, t.clock.ms);
});
afterEach(() => t.close());

const json = async (url: string) => (await t.app.inject(url)).json();

describe('Statuspage API v2 compatibility', () => {
  it.each(Object.keys(documents))('%s matches the Statuspage schema', async (url) => {
    const validate = ajv.compile(documents[url]!);
    const body = await json(url);
    expect(validate(body), ajv.errorsText(validate.errors)).toBe(true);
  });

  it('the schemas reject what Statuspage consumers would choke on', async () => {
    const validate = ajv.compile(documents['/api/v2/summary.json']!);
    const body = await json('/api/v2/summary.json');
    const broken = [
      (b: any) => delete b.page.time_zone,
      (b: any) => (b.components[0].position = '1'),
      (b: any) => (b.status.indicator = 'bad'),
      (b: any) => (b.incidents[0].incident_updates[0].created_at = '2026-11-22 10:00'),
      (b: any) => (b.components[0].extra = true),
    ];
    for (const breakIt of broken) {
      const copy = structuredClone(body);
      breakIt(copy);
      expect(validate(copy)).toBe(false);
    }
  });

  it('puts the right items in each list', async () => {
    const summary = await json('/api/v2/summary.json');
    expect(summary.incidents.map((i: { id: string }) => i.id)).toEqual([ids.active]);
    expect(summary.scheduled_maintenances.map((i: { id: string }) => i.id)).toEqual([ids.inProgress, ids.upcoming]);
    expect((await json('/api/v2/incidents.json')).incidents.map((i: { id: string }) => i.id)).toEqual([ids.active, ids.resolved]);
    expect((await json('/api/v2/incidents/unresolved.json')).incidents.map((i: { id: string }) => i.id)).toEqual([ids.active]);
    expect((await json('/api/v2/scheduled-maintenances/upcoming.json')).scheduled_maintenances.map((i: { id: string }) => i.id)).toEqual([ids.upcoming]);
    expect((await json('/api/v2/scheduled-maintenances/active.json')).scheduled_maintenances.map((i: { id: string }) => i.id)).toEqual([ids.inProgress]);
    expect((await json('/api/v2/scheduled-maintenances.json')).scheduled_maintenances).toHaveLength(2);
  });

  it('describes the page and its status like Statuspage', async () => {
    const status = await json('/api/v2/status.json');
    expect(status.page).toEqual({
      id: 'acme',
      name: 'Acme Status',
      url: 'https://status.acme.example',
      time_zone: 'Europe/Zurich',
      updated_at: expect.stringMatching(/^2026-11-22T1\d:\d\d:\d\d\.\d{3}\+01:00$/),
    });
    expect(status.status).toEqual({ indicator: 'major', description: 'Partial System Outage' });
  });

  it('models groups as components with children, and dependencies under outpost.affected_by', async () => {
    const { components } = await json('/api/v2/components.json');
    const byId = Object.fromEntries(components.map((c: { id: string }) => [c.id, c]));
    expect(byId['group-public']).toMatchObject({ group: true, group_id: null, components: ['website', 'api'], name: 'Public', status: 'operational' });
    expect(byId['group-internal']).toMatchObject({ group: true, components: ['database'], status: 'partial_outage' });
    expect(byId.api).toMatchObject({ group: false, group_id: 'group-public', status: 'operational', page_id: 'acme' });
    expect(byId.api.outpost.affected_by).toEqual([{ id: 'database', name: 'Database', status: 'partial_outage' }]);
    expect(byId.dns).toMatchObject({ group_id: null, description: 'acme.example through both DNS providers' });
    expect(byId.website.outpost.affected_by).toEqual([]);
    expect(components.map((c: { position: number }) => c.position)).toEqual([...components.map((c: { position: number }) => c.position)].sort((a, b) => a - b));
  });

  it('carries updates newest first with affected components and their old and new status', async () => {
    const { incidents } = await json('/api/v2/incidents.json');
    const resolved = incidents.find((i: { id: string }) => i.id === ids.resolved);
    expect(resolved.status).toBe('postmortem');
    expect(resolved.impact).toBe('major');
    expect(resolved.resolved_at).not.toBeNull();
    expect(resolved.shortlink).toBe(`https://status.acme.example/incidents/${ids.resolved}`);
    expect(resolved.incident_updates.map((u: { status: string }) => u.status)).toEqual(['resolved', 'identified', 'investigating']);
    expect(resolved.incident_updates[0].affected_components).toEqual([{ code: 'database', name: 'Database', old_status: 'major_outage', new_status: 'operational' }]);
    expect(resolved.incident_updates[1].affected_components).toBeNull();
    expect(resolved.components.map((c: { id: string }) => c.id)).toEqual(['database']);
  });

  it('hides components removed from the config but keeps their incidents', async () => {
    t.app.store.components.syncFromConfig({ ...t.config, components: t.config.components.filter((c) => c.id !== 'database').map((c) => ({ ...c, depends_on: c.depends_on?.filter((d) => d !== 'database') })) }, t.clock.ms);
    await t.app.publisher.idle();
    const { components } = await json('/api/v2/components.json');
    expect(components.map((c: { id: string }) => c.id)).not.toContain('database');
    expect(components.map((c: { id: string }) => c.id)).not.toContain('group-internal');
    const { incidents } = await json('/api/v2/incidents.json');
    expect(incidents.map((i: { id: string }) => i.id)).toContain(ids.resolved);
    expect(t.db.prepare("SELECT hidden FROM components WHERE id = 'database'").get()).toEqual({ hidden: 1 });
  });
});
