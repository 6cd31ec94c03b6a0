import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IncidentService, SYSTEM, type Actor } from '../../src/operations/incidents.js';
import { HOUR } from '../../src/util/time.js';
import { makeTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
let service: IncidentService;
beforeEach(async () => {
  t = await makeTestApp();
  service = new IncidentService(t.app.store, t.clock.now);
});
afterEach(() => t.close());

const alice: Actor = { kind: 'operator', id: 'op-1', name: 'Alice' };
const status = (id: string) => t.app.store.components.get(id)!.status;
/** A window on `ids` from `from` to `until` hours from now, moved on by the clock as the scheduler does. */
const window = (name: string, ids: string[], from: number, until: number) =>
  service.createMaintenance({ name, body: 'Planned.', scheduledFor: t.clock.ms + from * HOUR, scheduledUntil: t.clock.ms + until * HOUR, componentIds: ids, autoInProgress: true, autoCompleted: true }, SYSTEM);
const at = (hours: number, start: number) => {
  t.clock.ms = start + hours * HOUR;
  service.advanceMaintenances();
};

describe('holds on a component: each holder its own, the latest shown', () => {
  it('a short window inside a long one does not end the long one', () => {
    const start = t.clock.ms;
    const long = window('Long', ['database'], 1, 5);
    const short = window('Short', ['database'], 2, 3);
    at(1.5, start);
    expect(status('database')).toBe('under_maintenance');
    at(2.5, start);
    expect(t.app.store.incidents.get(short.id)!.status).toBe('in_progress');
    at(3.5, start);
    expect(t.app.store.incidents.get(short.id)!.status).toBe('completed');
    expect(t.app.store.incidents.get(long.id)!.status).toBe('in_progress');
    expect(status('database')).toBe('under_maintenance');
    at(5.5, start);
    expect(status('database')).toBe('operational');
    expect(t.app.store.components.get('database')!.manual).toBeNull();
  });

  it('an outage open through a window shows again when the window ends, and ends with its incident', () => {
    const start = t.clock.ms;
    const incident = service.create({ name: 'Disk full', status: 'investigating', body: 'Looking.', components: { database: 'major_outage' } }, alice);
    window('Upgrade', ['database'], 1, 2);
    at(1.5, start);
    expect(status('database')).toBe('under_maintenance');
    at(2.5, start);
    expect(status('database')).toBe('major_outage');
    service.update(incident.id, { status: 'resolved', body: 'Fixed.' }, alice);
    expect(status('database')).toBe('operational');
  });

  it("a status set by hand before a window is the operator's again after it", () => {
    const start = t.clock.ms;
    service.setComponentStatus('dns', 'degraded_performance', 'one provider slow', alice);
    window('Resolver swap', ['dns'], 1, 2);
    at(1.5, start);
    expect(status('dns')).toBe('under_maintenance');
    at(2.5, start);
    expect(status('dns')).toBe('degraded_performance');
    expect(t.app.store.components.get('dns')!.manual?.reason).toMatch(/Alice: one provider slow/);
    service.handBack('dns', alice);
    expect(status('dns')).toBe('operational');
  });

  it("an incident calling a component operational lets go of its own hold, not a window's", () => {
    const start = t.clock.ms;
    window('Upgrade', ['database'], 1, 3);
    at(1.5, start);
    const incident = service.create({ name: 'Replica lag', status: 'investigating', body: 'Lagging.', components: { database: 'degraded_performance' } }, alice);
    expect(status('database')).toBe('degraded_performance');
    service.update(incident.id, { status: 'monitoring', body: 'Caught up.', components: { database: 'operational' } }, alice);
    expect(status('database')).toBe('under_maintenance');
    at(3.5, start);
    expect(status('database')).toBe('operational');
  });
});
