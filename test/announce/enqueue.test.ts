import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Announcement } from '../../src/announce/types.js';
import { IncidentService, SYSTEM } from '../../src/operations/incidents.js';
import type { OutboxRow } from '../../src/store/outbox.js';
import { HOUR, MINUTE } from '../../src/util/time.js';
import { ACME_YAML, makeTestApp, type TestApp } from '../helpers/app.js';

// Nothing listens on port 9 of loopback, and nothing is sent: these tests look at what is enqueued.
const YAML = `${ACME_YAML}
announce:
  - { id: everything, type: webhook, url: "http://127.0.0.1:9/all", secret: 0123456789abcdef }
  - { id: serious, type: webhook, url: "http://127.0.0.1:9/serious", secret: 0123456789abcdef, min_impact: major }
  - { id: database-status, type: webhook, url: "http://127.0.0.1:9/db", secret: 0123456789abcdef, events: [component.status], components: [database] }
`;

let t: TestApp;
let service: IncidentService;
beforeEach(async () => {
  t = await makeTestApp({ yaml: YAML });
  service = new IncidentService(t.app.store, t.clock.now);
});
afterEach(() => t.close());

const rows = (channel?: string): OutboxRow[] =>
  (channel ? t.app.store.outbox.list(channel) : ['everything', 'serious', 'database-status'].flatMap((c) => t.app.store.outbox.list(c))).sort((a, b) => a.seq - b.seq);
const kinds = (channel: string) => rows(channel).map((r) => r.kind);

describe('enqueue: incidents', () => {
  it('a new incident is announced to the channels whose filters it passes, captured as it was written', () => {
    const incident = service.create({ name: 'API errors', status: 'investigating', body: 'We are **looking** into it.', components: { api: 'major_outage' } }, SYSTEM);
    expect(kinds('everything')).toEqual(['incident.created']);
    expect(kinds('serious')).toEqual(['incident.created']); // critical, from major_outage
    expect(kinds('database-status')).toEqual([]);
    const [row] = rows('everything');
    const a = row!.announcement;
    expect(row).toMatchObject({ state: 'queued', incidentId: incident.id, attempts: 0, queuedAt: t.clock.ms, deadlineAt: t.clock.ms + 24 * HOUR });
    expect(a).toMatchObject({
      eventId: `incident.created:${incident.updates[0]!.id}`,
      kind: 'incident.created',
      at: t.clock.ms,
      page: { id: 'acme', name: 'Acme Status', url: 'https://status.acme.example', timeZone: 'Europe/Zurich', indicator: 'critical', description: 'Major Service Outage' },
      incident: {
        id: incident.id,
        kind: 'incident',
        name: 'API errors',
        status: 'investigating',
        impact: 'critical',
        url: `https://status.acme.example/incidents/${incident.id}`,
        update: { id: incident.updates[0]!.id, status: 'investigating', body: 'We are **looking** into it.', at: t.clock.ms },
        components: [{ id: 'api', name: 'API', status: 'major_outage' }],
      },
    });
    // The Statuspage v2 incident, as the public API serialises it, without Outpost's additions.
    const sp = a.incident!.statuspage as Record<string, any>;
    expect(sp).toMatchObject({ id: incident.id, name: 'API errors', status: 'investigating', impact: 'critical', page_id: 'acme', shortlink: `https://status.acme.example/incidents/${incident.id}` });
    expect(sp.created_at).toBe('2026-11-22T13:00:00.000+01:00');
    expect(sp.incident_updates).toHaveLength(1);
    expect(sp.incident_updates[0]).toMatchObject({ body: 'We are **looking** into it.', affected_components: [{ code: 'api', name: 'API', old_status: 'operational', new_status: 'major_outage' }] });
    expect(sp.components).toEqual([expect.objectContaining({ id: 'api', status: 'major_outage', group_id: 'group-public' })]);
    expect(sp.components[0]).not.toHaveProperty('outpost');
  });

  it('updates, resolution and a postmortem status each make their event; a rename alone makes none', () => {
    const { id } = service.create({ name: 'Slow pages', status: 'investigating', body: 'Looking.', components: { website: 'degraded_performance' } }, SYSTEM);
    t.clock.advance(MINUTE);
    service.update(id, { status: 'identified', body: 'Found it.' }, SYSTEM);
    t.clock.advance(MINUTE);
    service.update(id, { name: 'Slow pages in Europe' }, SYSTEM);
    t.clock.advance(MINUTE);
    service.update(id, { status: 'resolved', body: 'Fixed.' }, SYSTEM);
    t.clock.advance(MINUTE);
    service.update(id, { status: 'resolved', body: 'A note after the fact.' }, SYSTEM);
    expect(kinds('everything')).toEqual(['incident.created', 'incident.updated', 'incident.resolved', 'incident.updated']);
    // minor impact: below the serious channel's threshold, every time.
    expect(kinds('serious')).toEqual([]);
    const resolved = rows('everything')[2]!.announcement;
    expect(resolved.incident).toMatchObject({ name: 'Slow pages in Europe', status: 'resolved', update: { body: 'Fixed.', status: 'resolved' } });
    expect(resolved.page.indicator).toBe('none');
  });

  it('respects deliver_notifications: false, for the incident and for one update', () => {
    const { id } = service.create({ name: 'Quiet', status: 'investigating', body: 'Hush.', deliverNotifications: false }, SYSTEM);
    expect(rows()).toEqual([]);
    service.update(id, { status: 'identified', body: 'Loud.' }, SYSTEM);
    service.update(id, { status: 'monitoring', body: 'Hush again.', deliverNotifications: false }, SYSTEM);
    expect(rows('everything').map((r) => r.announcement.incident!.update.body)).toEqual(['Loud.']);
  });

  it('never announces a draft; publishing it announces it as new', () => {
    const draft = service.create({ name: 'Website down', status: 'investigating', body: 'Probes fail.', published: false, components: { website: 'major_outage' } }, SYSTEM);
    service.update(draft.id, { status: 'identified', body: 'Still a draft.' }, SYSTEM);
    expect(rows('everything')).toEqual([]);
    service.publish(draft.id, SYSTEM);
    expect(kinds('everything')).toEqual(['incident.created']);
    expect(rows('everything')[0]!.announcement.incident!.update.body).toBe('Still a draft.');
  });

  it('writes nothing when the change is rolled back', () => {
    expect(() =>
      t.db.transaction(() => {
        service.create({ name: 'Doomed', status: 'investigating', body: 'x' }, SYSTEM);
        throw new Error('something later in the same write failed');
      })(),
    ).toThrow('later in the same write');
    expect(rows()).toEqual([]);
    expect(t.db.prepare('SELECT count(*) AS n FROM incidents').get()).toEqual({ n: 0 });
  });
});

describe('enqueue: maintenance', () => {
  it('scheduled, started, updated and completed; its components going under maintenance reach the component channel', () => {
    const start = t.clock.ms + HOUR;
    const m = service.createMaintenance({ name: 'Database upgrade', body: 'Planned.', scheduledFor: start, scheduledUntil: start + HOUR, componentIds: ['database'] }, SYSTEM);
    t.clock.advance(HOUR);
    service.advanceMaintenances();
    service.update(m.id, { status: 'verifying', body: 'Checking.' }, SYSTEM);
    t.clock.advance(HOUR);
    service.advanceMaintenances();
    expect(kinds('everything')).toEqual(['maintenance.scheduled', 'maintenance.started', 'maintenance.updated', 'maintenance.completed']);
    // Maintenance passes any min_impact.
    expect(kinds('serious')).toEqual(kinds('everything'));
    const started = rows('everything')[1]!.announcement;
    expect(started.incident).toMatchObject({ kind: 'maintenance', impact: 'maintenance', status: 'in_progress', scheduledFor: start, scheduledUntil: start + HOUR });
    expect(started.page).toMatchObject({ indicator: 'maintenance', description: 'Service Under Maintenance' });
    const db = rows('database-status').map((r) => r.announcement.component!);
    expect(db.map((c) => [c.oldStatus, c.newStatus])).toEqual([
      ['operational', 'under_maintenance'],
      ['under_maintenance', 'operational'],
    ]);
  });
});

describe('enqueue: a deleted incident', () => {
  it('takes its announcements still waiting with it, each failed with the reason', () => {
    const incident = service.create({ name: 'Posted by mistake', status: 'investigating', body: 'Oops.', components: { api: 'major_outage' } }, SYSTEM);
    const waiting = rows().filter((r) => r.incidentId === incident.id);
    expect(waiting.length).toBeGreaterThan(0);
    service.delete(incident.id, SYSTEM);
    for (const row of rows().filter((r) => r.incidentId === incident.id)) {
      expect(row).toMatchObject({ state: 'failed', lastError: 'the incident was deleted before this could be sent' });
    }
  });
});

describe('enqueue: component status', () => {
  it("an incident's own status changes are told once, in its announcement, to a channel that takes both", async () => {
    await t.close();
    t = await makeTestApp({
      yaml: `${ACME_YAML}
announce:
  - { id: both, type: webhook, url: "http://127.0.0.1:9/both", secret: 0123456789abcdef, events: [incident.created, incident.updated, incident.resolved, component.status] }
  - { id: status-only, type: webhook, url: "http://127.0.0.1:9/s", secret: 0123456789abcdef, events: [component.status] }
`,
    });
    service = new IncidentService(t.app.store, t.clock.now);
    const incident = service.create({ name: 'API down', status: 'investigating', body: 'Looking.', components: { api: 'major_outage' } }, SYSTEM);
    t.clock.advance(MINUTE);
    service.update(incident.id, { status: 'resolved', body: 'Fixed.' }, SYSTEM);
    t.clock.advance(MINUTE);
    service.setComponentStatus('database', 'degraded_performance', 'slow disk', SYSTEM); // by hand: no incident to tell it
    expect(t.app.store.outbox.list('both').reverse().map((r) => r.kind)).toEqual(['incident.created', 'incident.resolved', 'component.status']);
    // A channel that takes only status changes is told every one.
    const changes = t.app.store.outbox.list('status-only').reverse().map((r) => [r.announcement.component!.id, r.announcement.component!.newStatus]);
    expect(changes).toEqual([['api', 'major_outage'], ['api', 'operational'], ['database', 'degraded_performance']]);
  });

  it('automation and people changing what the page shows reach channels that asked, for the components they named', () => {
    t.app.store.components.setAutomated('database', 'partial_outage', 'probes db: connect ECONNREFUSED', t.clock.ms);
    t.app.store.components.setAutomated('api', 'major_outage', 'probes api: http_status HTTP_503', t.clock.ms);
    t.clock.advance(MINUTE);
    service.setComponentStatus('database', 'major_outage', 'disk full', SYSTEM);
    t.clock.advance(MINUTE);
    service.handBack('database', SYSTEM);
    const changes = rows('database-status').map((r) => r.announcement.component!);
    expect(changes.map((c) => [c.id, c.oldStatus, c.newStatus])).toEqual([
      ['database', 'operational', 'partial_outage'],
      ['database', 'partial_outage', 'major_outage'],
      ['database', 'major_outage', 'partial_outage'],
    ]);
    expect(rows('everything')).toEqual([]);
    const a: Announcement = rows('database-status')[0]!.announcement;
    expect(a).toMatchObject({ kind: 'component.status', page: { indicator: 'major' } });
    expect(a.component!.statuspage).toEqual({
      status: 'partial_outage',
      name: 'Database',
      created_at: expect.any(String),
      updated_at: '2026-11-22T13:00:00.000+01:00',
      position: expect.any(Number),
      description: null,
      showcase: true,
      id: 'database',
      page_id: 'acme',
      group_id: 'group-internal',
    });
  });

  it('an override holds the shown status: automation beneath it announces nothing', () => {
    service.setComponentStatus('database', 'under_maintenance', 'planned', SYSTEM);
    t.app.store.components.setAutomated('database', 'major_outage', 'probes', t.clock.ms);
    expect(rows('database-status').map((r) => r.announcement.component!.newStatus)).toEqual(['under_maintenance']);
  });
});

describe('double submit', () => {
  let key: string;
  beforeEach(() => {
    key = t.app.store.apiKeys.create('deploy bot', 'editor', t.clock.ms).key;
  });
  const post = (path: string, payload: object, method: 'POST' | 'PATCH' = 'POST') =>
    t.app.inject({ method, url: `/api/v1/pages/acme${path}`, payload, headers: { authorization: `OAuth ${key}` } });

  it('the same API request twice at once: one announcement per channel', async () => {
    const body = { incident: { name: 'Login failures', status: 'investigating', body: 'Some users cannot sign in.', components: { api: 'partial_outage' } } };
    const [a, b] = await Promise.all([post('/incidents', body), post('/incidents', body)]);
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    expect(kinds('everything')).toEqual(['incident.created']);
    expect(kinds('serious')).toEqual(['incident.created']);

    const id = a.json().id as string;
    const update = { incident: { status: 'identified', body: 'A certificate expired.' } };
    const [c, d] = await Promise.all([post(`/incidents/${id}`, update, 'PATCH'), post(`/incidents/${id}`, update, 'PATCH')]);
    expect([c.statusCode, d.statusCode]).toEqual([200, 200]);
    expect(kinds('everything')).toEqual(['incident.created', 'incident.updated']);
  });

  it('the same text later, or different text at once, is news', () => {
    const { id } = service.create({ name: 'Queue backlog', status: 'investigating', body: 'Looking.' }, SYSTEM);
    service.update(id, { status: 'investigating', body: 'Still looking.' }, SYSTEM);
    service.update(id, { status: 'investigating', body: 'Still looking, harder.' }, SYSTEM);
    t.clock.advance(30 * MINUTE);
    service.update(id, { status: 'investigating', body: 'Still looking.' }, SYSTEM);
    expect(rows('everything').map((r) => r.announcement.incident!.update.body)).toEqual(['Looking.', 'Still looking.', 'Still looking, harder.', 'Still looking.']);
  });

  it('the same event enqueued twice is one row', () => {
    const { id } = service.create({ name: 'Twice', status: 'investigating', body: 'x' }, SYSTEM);
    expect(t.app.store.announcer.enqueue('incident.created', id)).toBe(0);
    expect(kinds('everything')).toEqual(['incident.created']);
  });
});

describe('enqueue: from the probes, through the monitor', () => {
  const probeYaml = (mode: string) => `
page: { id: acme, name: Acme, url: "https://status.acme.example", time_zone: Etc/UTC }
monitoring: { auto_incidents: ${mode} }
components:
  - { id: api, name: API }
probes:
  - { id: api-port, component: api, type: tcp, host: api.acme.example, port: 443, fail_after: 1, recover_after: 1 }
announce:
  - { id: all, type: webhook, url: "http://127.0.0.1:9/", secret: 0123456789abcdef, events: [incident.created, incident.updated, incident.resolved, component.status] }
`;
  const feed = (outcome: 'up' | 'down') =>
    t.app.monitor.handle([
      {
        probeId: 'api-port',
        at: t.clock.advance(30_000),
        result: outcome === 'up'
          ? { outcome, ok: true, message: 'up', latencyMs: 12 }
          : { outcome, ok: false, message: 'down', latencyMs: null, layer: 'connect', code: 'ECONNREFUSED' },
      },
    ]);

  it('a confirmed outage and its recovery are announced, with the automatic incident they open and resolve', async () => {
    await t.close();
    t = await makeTestApp({ yaml: probeYaml('publish') });
    feed('down');
    feed('up');
    const all = t.app.store.outbox.list('all').reverse();
    // The automatic incident is written first in the monitor's transaction, then the status it reports.
    expect(all.map((r) => r.kind)).toEqual(['incident.created', 'component.status', 'incident.resolved', 'component.status']);
    expect(all[0]!.announcement.incident).toMatchObject({ status: 'investigating', components: [{ id: 'api' }] });
    expect(all[1]!.announcement.component).toMatchObject({ id: 'api', oldStatus: 'operational', newStatus: 'major_outage' });
    expect(all[3]!.announcement.component).toMatchObject({ id: 'api', oldStatus: 'major_outage', newStatus: 'operational' });
    expect(all[1]!.queuedAt).toBe(t.clock.ms - 30_000);
  });

  it('a draft automatic incident is not announced; the status change is', async () => {
    await t.close();
    t = await makeTestApp({ yaml: probeYaml('draft') });
    feed('down');
    expect(t.app.store.outbox.list('all').map((r) => r.kind)).toEqual(['component.status']);
  });
});
