import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startOfDay } from '../../src/util/time.js';
import { makeTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp({ now: startOfDay('2026-11-22', 'Europe/Zurich') + 6 * 3600_000 });
});
afterEach(() => t.close());

describe('ComponentStore', () => {
  it('syncs groups and components from the config in page order', () => {
    const rows = t.app.store.components.list().map((c) => [c.id, c.isGroup, c.groupId, c.dependsOn]);
    expect(rows).toEqual([
      ['group-public', true, null, []],
      ['group-internal', true, null, []],
      ['website', false, 'group-public', []],
      ['api', false, 'group-public', ['database', 'dns']],
      ['database', false, 'group-internal', []],
      ['dns', false, null, []],
    ]);
  });

  it('hides removed components and shows them again, with their history, when they return', () => {
    const { components } = t.app.store;
    components.setStatus('dns', 'major_outage', 'test', t.clock.advance(3600_000));
    components.setStatus('dns', 'operational', 'test', t.clock.advance(600_000));
    components.syncFromConfig({ ...t.config, components: t.config.components.filter((c) => c.id !== 'dns').map((c) => ({ ...c, depends_on: [] })) }, t.clock.ms);
    expect(components.list().find((c) => c.id === 'dns')!.hidden).toBe(true);
    components.syncFromConfig(t.config, t.clock.ms);
    expect(components.list().find((c) => c.id === 'dns')!.hidden).toBe(false);
    expect(t.db.prepare("SELECT major_outage_s FROM component_daily_status WHERE component_id = 'dns'").get()).toEqual({ major_outage_s: 600 });
  });

  it('counts the days a component was out of the file as no data, not as its last status', () => {
    const { components } = t.app.store;
    const withoutDns = { ...t.config, components: t.config.components.filter((c) => c.id !== 'dns').map((c) => ({ ...c, depends_on: [] })) };
    components.setStatus('dns', 'major_outage', 'test', t.clock.advance(3600_000));
    components.syncFromConfig(withoutDns, t.clock.advance(3600_000)); // an hour of outage, then out of the file
    t.clock.advance(5 * 86_400_000);
    components.syncFromConfig(t.config, t.clock.ms);
    t.clock.advance(3600_000);
    components.setStatus('dns', 'operational', 'test', t.clock.ms); // an hour after its return
    const days = t.db.prepare("SELECT day, major_outage_s FROM component_daily_status WHERE component_id = 'dns' ORDER BY day").all();
    expect(days).toEqual([
      { day: '2026-11-22', major_outage_s: 3600 },
      { day: '2026-11-27', major_outage_s: 3600 },
    ]);
  });

  it('credits the time spent in the old status, split at midnight, and records the event', () => {
    const { components } = t.app.store;
    const start = t.clock.ms;
    components.setStatus('api', 'partial_outage', 'probe: connect ECONNREFUSED', start);
    const end = t.clock.advance(20 * 3600_000); // crosses local midnight
    const change = components.setStatus('api', 'operational', 'probe recovered', end);
    expect(change).toMatchObject({ componentId: 'api', from: 'partial_outage', to: 'operational' });
    const days = t.db.prepare("SELECT day, operational_s, partial_outage_s FROM component_daily_status WHERE component_id = 'api' ORDER BY day").all();
    expect(days).toEqual([
      { day: '2026-11-22', operational_s: 0, partial_outage_s: 18 * 3600 },
      { day: '2026-11-23', operational_s: 0, partial_outage_s: 2 * 3600 },
    ]);
    const events = t.db.prepare("SELECT from_status, to_status, cause FROM component_status_events WHERE component_id = 'api' ORDER BY id").all();
    expect(events).toEqual([
      { from_status: 'operational', to_status: 'partial_outage', cause: 'probe: connect ECONNREFUSED' },
      { from_status: 'partial_outage', to_status: 'operational', cause: 'probe recovered' },
    ]);
  });

  it('does nothing for a status that is already set, and refuses groups and unknown ids', () => {
    const { components } = t.app.store;
    expect(components.setStatus('api', 'operational', 'x', t.clock.ms)).toBeUndefined();
    expect(() => components.setStatus('group-public', 'major_outage', 'x', t.clock.ms)).toThrow(/is a group/);
    expect(() => components.setStatus('nope', 'major_outage', 'x', t.clock.ms)).toThrow(/unknown component/);
  });
});

describe('ComponentStore list, kept between writes', () => {
  it('reads again exactly the rows written since, whichever write it was', () => {
    const { components } = t.app.store;
    const before = components.list();
    expect(components.list()).toBe(before); // nothing written: the same list
    components.setStatus('api', 'major_outage', 'probe', t.clock.advance(1000));
    components.setDescription('website', 'The shop', t.clock.advance(1000));
    const after = components.list();
    expect(after).not.toBe(before);
    const byId = (list: typeof before, id: string) => list.find((c) => c.id === id)!;
    expect(byId(after, 'api')).toMatchObject({ status: 'major_outage', dependsOn: ['database', 'dns'] });
    expect(byId(after, 'website').description).toBe('The shop');
    expect(byId(after, 'database')).toBe(byId(before, 'database')); // untouched rows are not read again
    // The written rows now match a fresh read of the table, field for field.
    components.syncFromConfig(t.config, t.clock.ms); // drops the list: everything is read again
    const fresh = components.list();
    expect(fresh).not.toBe(after);
    expect(byId(fresh, 'api')).toEqual(byId(after, 'api'));

    components.setManual('database', 'under_maintenance', 'vendor upgrade', t.clock.advance(1000));
    components.setAutomated('database', 'partial_outage', 'probe', t.clock.advance(1000)); // held: kept, not shown
    expect(byId(components.list(), 'database')).toMatchObject({
      status: 'under_maintenance',
      automatedStatus: 'partial_outage',
      manual: { status: 'under_maintenance', reason: 'vendor upgrade' },
    });
    components.clearManual('database', 'done', t.clock.advance(1000));
    expect(byId(components.list(), 'database')).toMatchObject({ status: 'partial_outage', manual: null });
  });

  it('forgets what a rolled-back transaction wrote, even when it was read inside it', () => {
    const { components } = t.app.store;
    components.list();
    expect(() =>
      t.db.transaction(() => {
        components.setStatus('dns', 'major_outage', 'probe', t.clock.advance(1000));
        expect(components.list().find((c) => c.id === 'dns')!.status).toBe('major_outage');
        throw new Error('a later step fails');
      })(),
    ).toThrow('a later step fails');
    expect(components.list().find((c) => c.id === 'dns')!.status).toBe('operational');
  });

  it('follows a config that renames, reorders and rewires', () => {
    const { components } = t.app.store;
    components.list();
    const reordered = [...t.config.components].reverse().map((c) => (c.id === 'website' ? { ...c, name: 'Shop', depends_on: ['api'] } : c));
    components.syncFromConfig({ ...t.config, components: reordered }, t.clock.ms);
    const list = components.list().filter((c) => !c.isGroup);
    expect(list.map((c) => c.id)).toEqual(['dns', 'database', 'api', 'website']);
    expect(list.at(-1)).toMatchObject({ name: 'Shop', dependsOn: ['api'] });
  });
});
