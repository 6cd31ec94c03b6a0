import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { IncidentService, SYSTEM } from '../../src/operations/incidents.js';
import type { Announcer } from '../../src/announce/announcer.js';
import { ACME_YAML, makeTestApp, type TestApp } from '../helpers/app.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

const SECRET = 'whsec-0123456789abcdef-test';
let t: TestApp | undefined;
let receiver: Receiver | undefined;
afterEach(async () => {
  await t?.close();
  await receiver?.close();
  t = undefined;
  receiver = undefined;
});

async function setup(extra = '') {
  receiver = await startReceiver([{ status: 204 }]);
  t = await makeTestApp({
    yaml: `${ACME_YAML}
announce:
  - id: ops
    type: webhook
    url: "${receiver.url}/hooks/outpost?token=path-token-123"
    secret: ${SECRET}
    headers: { Authorization: "Bearer receiver-token-456" }
    events: [incident.created, incident.updated, incident.resolved, component.status]
${extra}`,
  });
  return { t, receiver, service: new IncidentService(t.app.store, t.clock.now) };
}

/** What a receiver does, written here from the README's description rather than from Outpost's signer. */
function verify(header: string | undefined, body: string, secret: string, now: number, toleranceS = 300): boolean {
  const parts = Object.fromEntries((header ?? '').split(',').map((kv) => kv.split('=') as [string, string]));
  const ts = Number(parts.t);
  if (!Number.isInteger(ts) || Math.abs(now / 1000 - ts) > toleranceS || !parts.v1) return false;
  const expected = createHmac('sha256', secret).update(`${parts.t}.${body}`).digest();
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe('webhook channel: the request', () => {
  it('posts Statuspage\'s webhook-subscriber body for an incident, signed over timestamp and body', async () => {
    const { t, receiver, service } = await setup();
    const incident = service.create({ name: 'API errors', status: 'investigating', body: 'Looking into it.', components: { api: 'major_outage' } }, SYSTEM);
    // The API's status change is in the incident's announcement: this channel, which takes both kinds, gets one.
    t.clock.advance(2000);
    expect(await t.app.outbox.runOnce()).toBe(1);
    expect(await t.app.outbox.runOnce()).toBe(0);

    expect(receiver.received.map((r) => r.headers['x-outpost-event'])).toEqual(['incident.created']);
    const req = receiver.received[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/hooks/outpost?token=path-token-123');
    const row = t.app.store.outbox.list('ops')[0]!;
    const deliveryId = `ops:incident.created:${incident.updates[0]!.id}`;
    expect(req.headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'Outpost-Webhook/1 (+status page announcements)',
      'x-outpost-event': 'incident.created',
      'x-outpost-delivery': deliveryId,
      'idempotency-key': deliveryId,
      authorization: 'Bearer receiver-token-456',
      'content-length': String(Buffer.byteLength(req.body)),
    });
    expect(req.headers['x-outpost-signature']).toMatch(new RegExp(`^t=${Math.floor(t.clock.ms / 1000)},v1=[0-9a-f]{64}$`));
    expect(verify(req.headers['x-outpost-signature'] as string, req.body, SECRET, t.clock.ms)).toBe(true);
    // A tampered body, a wrong secret, or a replay after the tolerance fail the same check.
    expect(verify(req.headers['x-outpost-signature'] as string, req.body.replace('API errors', 'API fine'), SECRET, t.clock.ms)).toBe(false);
    expect(verify(req.headers['x-outpost-signature'] as string, req.body, 'another-secret-0123456789', t.clock.ms)).toBe(false);
    expect(verify(req.headers['x-outpost-signature'] as string, req.body, SECRET, t.clock.ms + 301_000)).toBe(false);

    const body = JSON.parse(req.body);
    expect(Object.keys(body)).toEqual(['meta', 'page', 'incident', 'outpost']);
    expect(body.meta).toEqual({ unsubscribe: null, documentation: null, generated_at: '2026-11-22T12:00:02.000Z' });
    expect(body.page).toEqual({ id: 'acme', status_indicator: 'critical', status_description: 'Major Service Outage' });
    expect(body.outpost).toEqual({ event: 'incident.created', event_id: `incident.created:${incident.updates[0]!.id}` });
    expect(body.incident).toEqual(row.announcement.incident!.statuspage);
    // The incident is the public API's, key for key.
    await t.app.publisher.rebuild();
    const publicJson = (await t.app.inject(`/api/v2/incidents/unresolved.json`)).json().incidents[0];
    const { components: publicComponents, ...publicRest } = publicJson;
    const { components, ...rest } = body.incident;
    expect(rest).toEqual(publicRest);
    expect(components).toEqual(publicComponents.map(({ outpost: _o, ...c }: Record<string, unknown>) => c));

    expect(t.app.store.outbox.get(row.seq)).toMatchObject({ state: 'sent', attempts: 1, lastStatus: 204, sentAt: t.clock.ms, lastError: null });
  });

  it('posts component and component_update for a component change', async () => {
    const { t, receiver } = await setup();
    t.app.store.components.setAutomated('database', 'major_outage', 'probes', t.clock.ms);
    await t.app.outbox.runOnce();
    const body = JSON.parse(receiver.received[0]!.body);
    expect(receiver.received[0]!.headers['x-outpost-event']).toBe('component.status');
    expect(Object.keys(body)).toEqual(['meta', 'page', 'component', 'component_update', 'outpost']);
    expect(body.component).toEqual({
      status: 'major_outage',
      name: 'Database',
      created_at: '2026-11-22T13:00:00.000+01:00',
      updated_at: '2026-11-22T13:00:00.000+01:00',
      position: expect.any(Number),
      description: null,
      showcase: true,
      id: 'database',
      page_id: 'acme',
      group_id: 'group-internal',
    });
    expect(body.component_update).toEqual({
      old_status: 'operational',
      new_status: 'major_outage',
      created_at: '2026-11-22T13:00:00.000+01:00',
      component_type: 'Component',
      id: expect.stringMatching(/^[0-9a-f]{12}$/),
      component_id: 'database',
    });
    expect(body.page).toEqual({ id: 'acme', status_indicator: 'critical', status_description: 'Major Service Outage' });
  });

  it('a test message says it is one, in the header and the body, and goes to that channel only', async () => {
    const { t, receiver } = await setup(`  - { id: other, type: webhook, url: "${'http://127.0.0.1:9/'}", secret: ${SECRET} }\n`);
    const announcer = t.app.store.announcer as Announcer;
    expect(announcer.sendTest('ops')).toBe(true);
    expect(announcer.sendTest('ops')).toBe(false); // a double click
    expect(t.app.store.outbox.list('other')).toEqual([]);
    await t.app.outbox.runOnce();
    const req = receiver.received[0]!;
    expect(req.headers['x-outpost-event']).toBe('test');
    const body = JSON.parse(req.body);
    expect(body.outpost.test).toBe(true);
    expect(body.incident).toMatchObject({ name: 'Test announcement', status: 'investigating', impact: 'none', page_id: 'acme' });
    expect(body.incident.incident_updates[0].body).toContain('This is a test message from Acme Status');
    expect(verify(req.headers['x-outpost-signature'] as string, req.body, SECRET, t.clock.ms)).toBe(true);
  });
});
