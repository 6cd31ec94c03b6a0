import { afterEach, describe, expect, it } from 'vitest';
import type { Outcome, ProbeResult } from '../../src/probes/types.js';
import { HOUR, MINUTE } from '../../src/util/time.js';
import { makeTestApp, type TestApp } from '../helpers/app.js';

const YAML = `
page: { id: acme, name: Acme, url: "https://status.acme.example", time_zone: Etc/UTC }
components:
  - { id: website, name: Website, show_latency: true }
  - { id: api, name: API }
  - { id: db, name: Database }
  - { id: dns, name: DNS }
  - { id: cdn, name: CDN }
  - { id: mail, name: Mail }
  - { id: backup, name: Backups }
probes:
  - { id: web-1, component: website, type: http, url: "https://www.acme.example/", interval: 30s, fail_after: 2, recover_after: 2 }
  - { id: web-2, component: website, type: tcp, host: www.acme.example, port: 443 }
  - { id: api, component: api, type: http, url: "https://api.acme.example/health", fail_after: 3 }
  - { id: db, component: db, type: tcp, host: db.internal.acme.example, port: 5432 }
  - { id: dns, component: dns, type: tcp, host: ns1.acme.example, port: 53 }
  - { id: cdn, component: cdn, type: http, url: "https://cdn.acme.example/" }
  - { id: mail, component: mail, type: tcp, host: mx.acme.example, port: 25 }
  - { id: nightly, component: backup, type: heartbeat, every: 24h, grace: 1h }
  - { id: control-resolver, control: true, type: tcp, host: 192.0.2.1, port: 53 }
`;

let t: TestApp;
afterEach(() => t.close());

const r = (outcome: Outcome, extra: Partial<ProbeResult> = {}): ProbeResult => ({
  outcome,
  ok: outcome === 'up' || outcome === 'degraded',
  message: outcome,
  latencyMs: outcome === 'down' ? null : 120,
  ...(outcome === 'down' ? { layer: 'connect' as const, code: 'ECONNREFUSED' } : {}),
  ...extra,
});
const feed = (probeId: string, outcome: Outcome, extra?: Partial<ProbeResult>) => t.app.monitor.handle([{ probeId, at: t.clock.advance(30_000), result: r(outcome, extra) }]);
const status = (id: string) => t.app.store.components.get(id)!.status;

describe('Monitor: from results to status', () => {
  it('changes a component only after fail_after failures, and back after recover_after successes', async () => {
    t = await makeTestApp({ yaml: YAML });
    feed('api', 'down');
    feed('api', 'down');
    expect(status('api')).toBe('operational');
    feed('api', 'down');
    expect(status('api')).toBe('major_outage');
    feed('api', 'up');
    expect(status('api')).toBe('major_outage');
    feed('api', 'up');
    expect(status('api')).toBe('operational');
    const events = t.db.prepare("SELECT from_status, to_status, cause FROM component_status_events WHERE component_id = 'api' ORDER BY id").all();
    expect(events).toEqual([
      { from_status: 'operational', to_status: 'major_outage', cause: 'probes api: connect ECONNREFUSED' },
      { from_status: 'major_outage', to_status: 'operational', cause: 'probes recovered' },
    ]);
  });

  it('derives partial outage when some of a component\'s probes fail, degraded when one is slow', async () => {
    t = await makeTestApp({ yaml: YAML });
    feed('web-2', 'down');
    feed('web-2', 'down');
    expect(status('website')).toBe('partial_outage');
    feed('web-2', 'up');
    feed('web-2', 'up');
    feed('web-1', 'degraded', { latencyMs: 2500 });
    feed('web-1', 'degraded', { latencyMs: 2600 });
    expect(status('website')).toBe('degraded_performance');
  });

  it('keeps confirmation state across a restart', async () => {
    t = await makeTestApp({ yaml: YAML });
    feed('api', 'down');
    feed('api', 'down');
    const dir = t.dir;
    // Rebuild the app on the same database file, as a restart would.
    const { buildApp } = await import('../../src/app.js');
    await t.app.close();
    t.app = await buildApp({ config: t.config, db: t.db, clock: t.clock.now, refreshMs: 0 });
    expect(t.dir).toBe(dir);
    feed('api', 'down');
    expect(status('api')).toBe('major_outage');
  });

  it('leaves a component under an override alone, and hands it back to what the probes say now', async () => {
    t = await makeTestApp({ yaml: YAML });
    t.app.store.components.setManual('db', 'under_maintenance', 'maintenance window', t.clock.ms);
    feed('db', 'down');
    feed('db', 'down');
    expect(status('db')).toBe('under_maintenance');
    expect(t.app.store.components.get('db')!.automatedStatus).toBe('major_outage');
    t.app.store.components.clearManual('db', 'maintenance over', t.clock.advance(1000));
    expect(status('db')).toBe('major_outage');
    expect(t.app.store.components.get('db')!.manual).toBeNull();
  });
});

describe('Monitor: when the prober itself is the problem', () => {
  const services = ['web-1', 'web-2', 'api', 'db', 'dns', 'cdn', 'mail'];

  it('freezes automated statuses when most probes fail at once, says so on the page, and recomputes on recovery', async () => {
    t = await makeTestApp({ yaml: YAML });
    const at = t.clock.advance(10_000);
    // Everything fails in the same moment: the prober lost its network, not seven services at once.
    for (let round = 0; round < 3; round++) {
      t.app.monitor.handle(services.map((probeId) => ({ probeId, at: at + round * 30_000, result: r('down') })));
    }
    expect(t.app.monitor.impaired).toBe(true);
    expect(services.map((id) => t.app.store.probes.states().find((s) => s.probeId === id)!.confirmed)).toEqual(services.map(() => 'down'));
    for (const c of ['website', 'api', 'db', 'dns', 'cdn', 'mail']) expect(status(c)).toBe('operational');
    await t.app.publisher.idle();
    const page = (await t.app.inject('/')).body;
    expect(page).toContain('Automated monitoring is interrupted');
    expect(page).toContain('<h1>All Systems Operational</h1>');
    const json = (await t.app.inject('/api/v2/status.json')).json();
    expect(json.outpost.monitoring.interrupted).toBe(true);
    expect(json.outpost.monitoring.since).toMatch(/Z$/);

    // The network returns; the database really is down.
    const later = at + 10 * MINUTE;
    for (let round = 0; round < 3; round++) {
      t.app.monitor.handle(services.map((probeId) => ({ probeId, at: later + round * 30_000, result: r(probeId === 'db' ? 'down' : 'up') })));
    }
    t.clock.ms = later + 3 * 30_000;
    expect(t.app.monitor.impaired).toBe(false);
    expect(status('db')).toBe('major_outage');
    expect(status('api')).toBe('operational');
    await t.app.publisher.idle();
    expect((await t.app.inject('/')).body).not.toContain('Automated monitoring is interrupted');
  });

  it('is impaired when every control target fails, even with few probes failing', async () => {
    t = await makeTestApp({ yaml: YAML });
    feed('control-resolver', 'down');
    expect(t.app.monitor.impaired).toBe(true);
    feed('control-resolver', 'up');
    expect(t.app.monitor.impaired).toBe(false);
  });

  it('two real outages at once are not an impaired prober', async () => {
    t = await makeTestApp({ yaml: YAML });
    const at = t.clock.advance(10_000);
    for (let round = 0; round < 2; round++) {
      t.app.monitor.handle(services.map((probeId) => ({ probeId, at: at + round * 1000, result: r(['db', 'api'].includes(probeId) ? 'down' : 'up') })));
    }
    expect(t.app.monitor.impaired).toBe(false);
  });
});

describe('heartbeats', () => {
  it('accepts check-ins by token, reports failure at once, and notices a missed run', async () => {
    t = await makeTestApp({ yaml: YAML });
    const token = t.app.store.heartbeats.rotate('nightly', t.clock.ms);
    expect(token.length).toBeGreaterThanOrEqual(22); // >= 128 bits in base64url
    expect(t.db.prepare('SELECT token_hash FROM heartbeats').get()).not.toEqual({ token_hash: token });

    expect((await t.app.inject({ method: 'POST', url: '/api/v1/heartbeats/wrong-token' })).statusCode).toBe(404);
    const ok = await t.app.inject({ method: 'POST', url: `/api/v1/heartbeats/${token}` });
    expect(ok.json()).toEqual({ ok: true, status: 'ok' });
    expect(status('backup')).toBe('operational');

    const fail = await t.app.inject({ method: 'GET', url: `/api/v1/heartbeats/${token}?status=fail` });
    expect(fail.json()).toEqual({ ok: true, status: 'fail' });
    expect(status('backup')).toBe('major_outage');

    await t.app.inject({ method: 'POST', url: `/api/v1/heartbeats/${token}`, payload: { status: 'ok' } });
    expect(status('backup')).toBe('operational');

    t.clock.advance(25 * HOUR + 1000);
    t.app.monitor.judgeHeartbeats();
    expect(status('backup')).toBe('major_outage');
    const cause = t.db.prepare("SELECT cause FROM component_status_events WHERE component_id = 'backup' ORDER BY id DESC LIMIT 1").get();
    expect(cause).toEqual({ cause: 'probes nightly: heartbeat MISSED' });

    await t.app.inject({ method: 'POST', url: `/api/v1/heartbeats/${token}`, payload: 'failed: disk full', headers: { 'content-type': 'text/plain' } });
    expect(t.app.store.heartbeats.lastPing('nightly')).toMatchObject({ ok: false, message: 'failed: disk full' });
  });

  it('rotating a token retires the old one', async () => {
    t = await makeTestApp({ yaml: YAML });
    const first = t.app.store.heartbeats.rotate('nightly', t.clock.ms);
    const second = t.app.store.heartbeats.rotate('nightly', t.clock.ms);
    expect(first).not.toBe(second);
    expect((await t.app.inject({ method: 'POST', url: `/api/v1/heartbeats/${first}` })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'POST', url: `/api/v1/heartbeats/${second}` })).statusCode).toBe(200);
  });
});

describe('history', () => {
  it('rolls results up by hour with p95, prunes raw results after the retention, and charts latency', async () => {
    t = await makeTestApp({ yaml: YAML, now: Date.UTC(2026, 10, 20, 0, 0) });
    // Two days of results every 30 s for web-1: each hour 100..219 ms.
    const start = t.clock.ms;
    const batch = [];
    for (let i = 0; i < 2 * 24 * 120; i++) {
      batch.push({ probeId: 'web-1', at: start + i * 30_000, result: r('up', { latencyMs: 100 + (i % 120) }) });
    }
    t.app.monitor.handle(batch);
    t.clock.ms = start + 2 * 24 * HOUR + 10 * MINUTE;
    expect(t.app.store.probes.finalizeHours(t.clock.ms)).toBe(48);
    const hours = t.app.store.probes.hourly(['web-1'], start);
    expect(hours).toHaveLength(48);
    expect(hours[0]).toMatchObject({ count: 120, failures: 0, latencyMin: 100, latencyMax: 219 });
    expect(hours[0]!.latencyMean).toBeCloseTo(159.5, 5);
    expect(hours[0]!.latencyP95).toBe(213);

    // Housekeeping works in slices: at most `limit` rows a call, until nothing is left.
    expect(t.app.store.probes.prune(t.clock.ms, 24 * HOUR, 400 * 24 * HOUR, 1000)).toBe(1000);
    while (t.app.store.probes.prune(t.clock.ms, 24 * HOUR, 400 * 24 * HOUR, 1000) > 0);
    const raw = t.db.prepare('SELECT min(at) AS oldest, count(*) AS n FROM probe_results').get() as { oldest: number; n: number };
    expect(raw.oldest).toBeGreaterThanOrEqual(t.clock.ms - 24 * HOUR);
    expect(t.app.store.probes.hourly(['web-1'], start)).toHaveLength(48);

    await t.app.publisher.rebuild();
    const page = (await t.app.inject('/')).body;
    expect(page).toMatch(/<figure class="latency"><div class="plot"><svg[^>]*role="img" aria-label="Website: response time over the last 24 hours, mean 160 ms, highest hourly p95 213 ms\."/);
    expect(page.match(/<figure class="latency">/g)).toHaveLength(1);

    // The chart's rows are read again after five minutes (or at a new hour), not at every rebuild.
    const slower = Array.from({ length: 20 }, (_, i) => ({ probeId: 'web-1', at: t.clock.ms + i * 1000, result: r('up', { latencyMs: 900 }) }));
    t.app.monitor.handle(slower);
    t.app.store.probes.finalizeHours(t.clock.ms + HOUR);
    const mean = async () => /mean (\d+) ms/.exec((await t.app.inject('/')).body)![1];
    t.clock.advance(MINUTE);
    await t.app.publisher.rebuild();
    expect(await mean()).toBe('160');
    t.clock.advance(5 * MINUTE);
    await t.app.publisher.rebuild();
    expect(Number(await mean())).toBeGreaterThan(160);
  });
});
