import { afterEach, describe, expect, it } from 'vitest';
import { autoAction, describeFailures, type AutoAction } from '../../src/monitoring/auto-incidents.js';
import type { Outcome, ProbeResult } from '../../src/probes/types.js';
import type { ComponentStatus } from '../../src/status/types.js';
import { makeTestApp, type TestApp } from '../helpers/app.js';

const yaml = (mode: string, extra = '') => `
page: { id: acme, name: Acme, url: "https://status.acme.example", time_zone: Etc/UTC }
monitoring: { auto_incidents: ${mode}${extra} }
components:
  - { id: api, name: API }
  - { id: web, name: Website, auto_incident: publish }
  - { id: quiet, name: Quiet, auto_incident: "off" }
probes:
  - { id: api-a, component: api, type: http, url: "https://api.internal.acme.example/health", fail_after: 1, recover_after: 1 }
  - { id: api-b, component: api, type: tcp, host: api-db.internal.acme.example, port: 5432, fail_after: 1, recover_after: 1 }
  - { id: web, component: web, type: tcp, host: www.acme.example, port: 443, fail_after: 1, recover_after: 1 }
  - { id: quiet, component: quiet, type: tcp, host: quiet.acme.example, port: 443, fail_after: 1, recover_after: 1 }
`;

let t: TestApp;
afterEach(() => t?.close());

const down: Partial<ProbeResult> = { layer: 'connect', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 10.1.2.3:443 api.internal.acme.example' };
const r = (outcome: Outcome, extra: Partial<ProbeResult> = {}): ProbeResult => ({
  outcome,
  ok: outcome === 'up' || outcome === 'degraded',
  message: outcome,
  latencyMs: outcome === 'down' ? null : 120,
  ...(outcome === 'down' ? down : {}),
  ...extra,
});
const feed = (probeId: string, outcome: Outcome, extra?: Partial<ProbeResult>) => t.app.monitor.handle([{ probeId, at: t.clock.advance(30_000), result: r(outcome, extra) }]);
const automatic = () => t.app.store.incidents.listAll().filter((i) => i.autoComponentId !== null);

describe('autoAction: what a status change does to the automatic incident', () => {
  const open = (status: string) => ({ status }) as never;
  it.each<[string, { mode: 'off' | 'draft' | 'publish'; to: ComponentStatus; open?: string; overridden?: boolean; recovery?: 'monitoring' | 'resolved' }, AutoAction['kind'] | AutoAction]>([
    ['major outage opens a published incident', { mode: 'publish', to: 'major_outage' }, { kind: 'open', published: true }],
    ['partial outage opens a draft', { mode: 'draft', to: 'partial_outage' }, { kind: 'open', published: false }],
    ['mode off opens nothing', { mode: 'off', to: 'major_outage' }, 'none'],
    ['degraded alone opens nothing', { mode: 'publish', to: 'degraded_performance' }, 'none'],
    ['an operator override means someone owns it already', { mode: 'publish', to: 'major_outage', overridden: true }, 'none'],
    ['worse while investigating is an update', { mode: 'publish', to: 'major_outage', open: 'investigating' }, 'change'],
    ['better but degraded is an update', { mode: 'publish', to: 'degraded_performance', open: 'identified' }, 'change'],
    ['failing again while monitoring is a relapse', { mode: 'publish', to: 'partial_outage', open: 'monitoring' }, 'relapse'],
    ['recovery resolves', { mode: 'publish', to: 'operational', open: 'investigating' }, { kind: 'recover', status: 'resolved' }],
    ['recovery to monitoring', { mode: 'publish', to: 'operational', open: 'investigating', recovery: 'monitoring' }, { kind: 'recover', status: 'monitoring' }],
    ['already monitoring, recovery monitoring: nothing', { mode: 'publish', to: 'operational', open: 'monitoring', recovery: 'monitoring' }, 'none'],
    ['an open incident still follows after mode is switched off', { mode: 'off', to: 'operational', open: 'identified' }, { kind: 'recover', status: 'resolved' }],
    ['recovery without an incident: nothing', { mode: 'publish', to: 'operational' }, 'none'],
  ])('%s', (_name, input, expected) => {
    const action = autoAction({ mode: input.mode, to: input.to, recovery: input.recovery ?? 'resolved', open: input.open ? open(input.open) : undefined, overridden: input.overridden ?? false });
    expect(action).toEqual(typeof expected === 'string' ? { kind: expected } : expected);
  });
});

describe('describeFailures: plain words, never targets', () => {
  it.each([
    [[{ layer: 'connect', code: 'ECONNREFUSED' }], 'connections failed (ECONNREFUSED)'],
    [[{ layer: 'http_status', code: 'HTTP_503' }, { layer: 'http_status', code: 'HTTP_502' }], 'requests returned an unexpected HTTP status (HTTP 503, HTTP 502)'],
    [[{ layer: 'dns' }, { layer: 'timeout', code: 'ETIMEDOUT' }], 'DNS resolution failed; requests timed out (ETIMEDOUT)'],
    // A code that is not an errno-like name could carry anything: it is left out.
    [[{ layer: 'tls', code: 'bad cert for db.internal' }], 'the TLS handshake or certificate check failed'],
    [[], ''],
  ] as const)('%j → %s', (failures, expected) => {
    expect(describeFailures(failures as never)).toBe(expected);
  });
});

describe('automatic incidents from the probes', () => {
  it('publishes an incident naming the failing layer, updates it as it worsens, and resolves it on recovery', async () => {
    t = await makeTestApp({ yaml: yaml('publish') });
    feed('api-a', 'down');
    expect(t.app.store.components.get('api')!.status).toBe('partial_outage');
    let [incident] = automatic();
    expect(incident).toMatchObject({ name: 'Investigating issues with API', status: 'investigating', published: true, autoComponentId: 'api', impact: 'major' });
    expect(incident!.updates[0]!.body).toBe('Our monitoring detected a partial outage of API: connections failed (ECONNREFUSED). We are investigating.');
    expect(incident!.updates[0]!.affectedComponents).toEqual([{ componentId: 'api', oldStatus: 'operational', newStatus: 'partial_outage' }]);
    // The statuses stay the probes': the incident records them, it does not hold them.
    expect(t.app.store.components.get('api')!.manual).toBeNull();

    feed('api-b', 'down');
    expect(t.app.store.components.get('api')!.status).toBe('major_outage');
    [incident] = automatic();
    expect(automatic()).toHaveLength(1);
    expect(incident!.updates).toHaveLength(2);
    expect(incident!.updates[0]!.body).toBe('API is now in major outage: connections failed (ECONNREFUSED).');
    expect(incident!.impact).toBe('critical');

    // On the public surfaces, and never with the probe's target or message.
    await t.app.publisher.rebuild();
    const summary = (await t.app.inject('/api/v2/summary.json')).json();
    expect(summary.incidents.map((i: { name: string }) => i.name)).toEqual(['Investigating issues with API']);
    const page = (await t.app.inject('/')).body;
    expect(page).toContain('Investigating issues with API');
    expect(page).not.toContain('internal.acme.example');
    expect(page).not.toContain('10.1.2.3');

    feed('api-a', 'up');
    feed('api-b', 'up');
    [incident] = automatic();
    expect(incident!.status).toBe('resolved');
    expect(incident!.updates[0]!.body).toBe('Our monitoring shows API working normally again. This incident has been resolved.');
    expect(t.app.store.components.get('api')!.status).toBe('operational');

    // A new outage after resolution opens a new incident.
    feed('api-a', 'down');
    expect(automatic()).toHaveLength(2);
  });

  it('announces the status the component went to, not the one it left', async () => {
    // Nothing listens on port 9 of loopback and nothing is sent: the test reads what is enqueued.
    t = await makeTestApp({ yaml: `${yaml('publish')}announce:\n  - { id: hook, type: webhook, url: "http://127.0.0.1:9/in", secret: 0123456789abcdef, events: [incident.created, incident.updated, incident.resolved] }\n` });
    const announced = () => t.app.store.outbox.list('hook').sort((a, b) => a.seq - b.seq).map((row) => row.announcement.incident!);
    feed('api-a', 'down');
    feed('api-b', 'down');
    feed('api-a', 'up');
    feed('api-b', 'up');
    const statuses = announced().map((i) => [i.update.status, i.components.map((c) => c.status), (i.statuspage.components as { status: string }[]).map((c) => c.status)]);
    expect(statuses).toEqual([
      ['investigating', ['partial_outage'], ['partial_outage']],
      ['investigating', ['major_outage'], ['major_outage']],
      ['investigating', ['partial_outage'], ['partial_outage']],
      ['resolved', ['operational'], ['operational']],
    ]);
  });

  it("writes the component's name into its updates as text, never as Markdown", async () => {
    const name = 'DB *star* [link](http://evil.example) `code` user_service_v2';
    t = await makeTestApp({ yaml: yaml('publish').replace('{ id: api, name: API }', `{ id: api, name: ${JSON.stringify(name)} }`) });
    feed('api-a', 'down');
    const [incident] = automatic();
    await t.app.publisher.rebuild();
    const page = (await t.app.inject(`/incidents/${incident!.id}`)).body;
    const body = /<div class="md">([\s\S]*?)<\/div>/.exec(page)![1]!;
    expect(body).toContain('Our monitoring detected a partial outage of DB *star* [link](http://evil.example) `code` user_service_v2:');
    expect(body).not.toMatch(/<em>|<a |<code>/);
  });

  it('opens drafts that stay out of the page, JSON and feeds until an operator publishes them', async () => {
    t = await makeTestApp({ yaml: yaml('draft') });
    feed('api-a', 'down');
    const [draft] = automatic();
    expect(draft).toMatchObject({ published: false, status: 'investigating' });
    await t.app.publisher.rebuild();
    const surfaces = ['/', '/api/v2/summary.json', '/api/v2/incidents.json', '/history.rss', '/history.atom', '/history'];
    for (const url of surfaces) expect((await t.app.inject(url)).body, url).not.toContain('Investigating issues with API');
    expect((await t.app.inject(`/incidents/${draft!.id}`)).statusCode).toBe(404);

    const { IncidentService, SYSTEM } = await import('../../src/operations/incidents.js');
    new IncidentService(t.app.store, t.clock.now).publish(draft!.id, SYSTEM);
    await t.app.publisher.rebuild();
    for (const url of surfaces) expect((await t.app.inject(url)).body, url).toContain('Investigating issues with API');
    expect(() => new IncidentService(t.app.store, t.clock.now).publish(draft!.id, SYSTEM)).toThrow(/already published/);
    const audit = t.db.prepare("SELECT action FROM audit_log WHERE entity_id = ? ORDER BY rowid").all(draft!.id);
    expect(audit).toEqual([{ action: 'incident.create' }, { action: 'incident.publish' }]);
  });

  it('follows the per-component setting over the global one, and opens nothing for degraded performance', async () => {
    t = await makeTestApp({ yaml: yaml('draft') });
    feed('quiet', 'down');
    expect(automatic()).toEqual([]);
    feed('web', 'down');
    expect(automatic().map((i) => [i.autoComponentId, i.published])).toEqual([['web', true]]);
    feed('api-a', 'degraded', { latencyMs: 9000 });
    expect(automatic()).toHaveLength(1);
  });

  it('moves to monitoring on recovery when so configured, and back to investigating on a relapse', async () => {
    t = await makeTestApp({ yaml: yaml('publish', ', auto_incident_recovery: monitoring') });
    feed('api-a', 'down');
    feed('api-a', 'up');
    let [incident] = automatic();
    expect(incident!.status).toBe('monitoring');
    expect(incident!.updates[0]!.body).toBe('Our monitoring shows API working normally again. We are monitoring the results.');
    feed('api-a', 'down');
    [incident] = automatic();
    expect(automatic()).toHaveLength(1);
    expect(incident!.status).toBe('investigating');
    expect(incident!.updates.map((u) => u.status)).toEqual(['investigating', 'monitoring', 'investigating']);
  });

  it('leaves a component alone while an operator holds its status', async () => {
    t = await makeTestApp({ yaml: yaml('publish') });
    const { IncidentService, SYSTEM } = await import('../../src/operations/incidents.js');
    new IncidentService(t.app.store, t.clock.now).setComponentStatus('api', 'under_maintenance', 'database migration', SYSTEM);
    feed('api-a', 'down');
    expect(automatic()).toEqual([]);
  });

  it('is off by default', async () => {
    t = await makeTestApp({ yaml: yaml('off').replace('monitoring: { auto_incidents: off }', '') });
    expect(t.config.monitoring.auto_incidents).toBe('off');
    feed('api-a', 'down');
    expect(automatic()).toEqual([]);
  });
});
