import { afterEach, describe, expect, it } from 'vitest';
import { IncidentService, SYSTEM } from '../../src/operations/incidents.js';
import { HOUR } from '../../src/util/time.js';
import { makeTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
afterEach(() => t.close());

describe('advanceMaintenances', () => {
  it('moves every due window even when one of them cannot move, then reports the failure', async () => {
    t = await makeTestApp();
    const service = new IncidentService(t.app.store, t.clock.now);
    const window = (name: string, componentIds: string[]) =>
      service.createMaintenance({ name, body: 'Planned.', scheduledFor: t.clock.ms + HOUR, scheduledUntil: t.clock.ms + 2 * HOUR, componentIds }, SYSTEM);
    const broken = window('Broken window', ['database']);
    const fine = window('Fine window', ['dns']);
    // Fault injection: this one window's update fails inside its transaction.
    const addUpdate = t.app.store.incidents.addUpdate.bind(t.app.store.incidents);
    t.app.store.incidents.addUpdate = (id, update) => {
      if (id === broken.id) throw new Error('disk full');
      return addUpdate(id, update);
    };
    t.clock.advance(HOUR);
    expect(() => service.advanceMaintenances()).toThrow(/1 maintenance window\(s\) could not move on; 1 did/);
    expect(t.app.store.incidents.get(fine.id)!.status).toBe('in_progress');
    expect(t.app.store.components.get('dns')!.status).toBe('under_maintenance');
    // The failed one is untouched (its transaction rolled back) and moves on the next tick.
    expect(t.app.store.incidents.get(broken.id)!.status).toBe('scheduled');
    expect(t.app.store.components.get('database')!.status).toBe('operational');
    t.app.store.incidents.addUpdate = addUpdate;
    expect(service.advanceMaintenances()).toBe(1);
    expect(t.app.store.components.get('database')!.status).toBe('under_maintenance');
  });
});
