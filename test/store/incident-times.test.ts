import { afterEach, describe, expect, it } from 'vitest';
import { IncidentService, SYSTEM } from '../../src/operations/incidents.js';
import { HOUR } from '../../src/util/time.js';
import { makeTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
afterEach(() => t.close());

describe('incident times', () => {
  it('monitoring_at is when it last went into monitoring; resolved_at is cleared on a reopen', async () => {
    t = await makeTestApp();
    const service = new IncidentService(t.app.store, t.clock.now);
    const start = t.clock.ms;
    const { id } = service.create({ name: 'Flaky', status: 'investigating', body: 'a' }, SYSTEM);
    t.clock.advance(HOUR);
    service.update(id, { status: 'monitoring', body: 'b' }, SYSTEM);
    t.clock.advance(HOUR);
    service.update(id, { status: 'resolved', body: 'c' }, SYSTEM);
    expect(t.app.store.incidents.get(id)).toMatchObject({ monitoringAt: start + HOUR, resolvedAt: start + 2 * HOUR });
    t.clock.advance(HOUR);
    service.update(id, { status: 'investigating', body: 'back' }, SYSTEM);
    expect(t.app.store.incidents.get(id)).toMatchObject({ monitoringAt: null, resolvedAt: null });
    t.clock.advance(HOUR);
    service.update(id, { status: 'monitoring', body: 'd' }, SYSTEM);
    // Held through later updates in monitoring and through the resolution.
    t.clock.advance(HOUR);
    service.update(id, { status: 'monitoring', body: 'e' }, SYSTEM);
    service.update(id, { status: 'resolved', body: 'f' }, SYSTEM);
    expect(t.app.store.incidents.get(id)).toMatchObject({ monitoringAt: start + 4 * HOUR, resolvedAt: start + 5 * HOUR });
  });
});
