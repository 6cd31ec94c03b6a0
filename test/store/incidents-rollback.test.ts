import { afterEach, describe, expect, it } from 'vitest';
import { IncidentService, SYSTEM } from '../../src/operations/incidents.js';
import { makeTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
afterEach(() => t.close());

describe('IncidentStore cache and rollbacks', () => {
  it('forgets what a rolled-back transaction wrote, even when it was read inside it', async () => {
    t = await makeTestApp();
    const service = new IncidentService(t.app.store, t.clock.now);
    const kept = service.create({ name: 'Kept', status: 'investigating', body: 'b' }, SYSTEM);
    expect(() =>
      t.db.transaction(() => {
        const phantom = service.create({ name: 'Phantom', status: 'investigating', body: 'b' }, SYSTEM);
        // Read inside the transaction: the list holds the row that is about to be rolled back.
        expect(t.app.store.incidents.get(phantom.id)?.name).toBe('Phantom');
        throw new Error('a later step fails');
      })(),
    ).toThrow('a later step fails');
    expect(t.app.store.incidents.listAll().map((i) => i.name)).toEqual(['Kept']);
    expect(t.app.store.incidents.get(kept.id)?.name).toBe('Kept');
  });
});
