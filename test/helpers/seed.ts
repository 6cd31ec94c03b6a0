import type { FastifyInstance } from 'fastify';
import { HOUR, MINUTE } from '../../src/util/time.js';

/** A small, known data set: one resolved incident with a postmortem, one active, maintenance past and ahead. */
export async function seedKnown(app: FastifyInstance, now: number) {
  const { incidents, components } = app.store;
  const resolved = incidents.createIncident({
    name: 'Database failover',
    impact: 'major',
    componentIds: ['database'],
    first: { status: 'investigating', body: 'Looking into it.', at: now - 5 * HOUR, components: { database: 'major_outage' } },
  });
  incidents.addUpdate(resolved, { status: 'identified', body: 'Primary disk full.', at: now - 4 * HOUR });
  incidents.addUpdate(resolved, { status: 'resolved', body: 'Fixed.', at: now - 3 * HOUR, components: { database: 'operational' } });
  incidents.setPostmortem(resolved, 'We ran out of **disk**.', now - 2 * HOUR);

  components.setStatus('database', 'partial_outage', 'test', now - 30 * MINUTE);
  const active = incidents.createIncident({
    name: 'Slow queries',
    impact: 'minor',
    componentIds: ['database'],
    first: { status: 'investigating', body: 'Queries are slow.', at: now - 20 * MINUTE, components: { database: 'partial_outage' } },
  });
  const upcoming = incidents.createMaintenance({
    name: 'Network upgrade',
    scheduledFor: now + 24 * HOUR,
    scheduledUntil: now + 26 * HOUR,
    componentIds: ['website'],
    first: { status: 'scheduled', body: 'Upgrading switches.', at: now - HOUR },
  });
  const inProgress = incidents.createMaintenance({
    name: 'DNS migration',
    scheduledFor: now - 10 * MINUTE,
    scheduledUntil: now + 50 * MINUTE,
    componentIds: ['dns'],
    first: { status: 'in_progress', body: 'Moving zones.', at: now - 10 * MINUTE },
  });
  await app.publisher.rebuild();
  return { resolved, active, upcoming, inProgress };
}
