import { afterEach, describe, expect, it } from 'vitest';
import { LagStats } from '../../src/scheduler/host.js';
import { buildApp } from '../../src/app.js';
import type { TestApp } from '../helpers/app.js';
import { failingResults, PROBES_YAML } from './probe-fixtures.js';
import { ADMIN, appWithOperators, browser, EDITOR } from './session.js';

let t: TestApp;
afterEach(() => t.close());

describe('admin probe view', () => {
  it('shows phases, failing layer, raw error and each DNS resolver, escaped', async () => {
    t = await appWithOperators({ yaml: PROBES_YAML });
    failingResults(t);
    const eddie = await browser(t, EDITOR); // any signed-in operator
    const res = await eddie.get('/admin/probes');
    expect(res.statusCode).toBe(200);
    const html = res.body;
    expect(html).toContain('aria-current="page">Probes</a>');
    expect(html).toContain('<strong>down</strong> · layer <code>tls</code> · <code>CERT_HAS_EXPIRED</code>');
    expect(html).toContain('certificate &lt;expired&gt;');
    expect(html).not.toContain('certificate <expired>');
    expect(html).toContain('DNS 1.2 ms · connect 3.4 ms · TLS 5.6 ms · total 10.2 ms');
    expect(html).toMatch(/<th scope="row">Provider A<\/th><td data-label="Address"><code>192\.0\.2\.53<\/code><\/td><td data-label="Answer"><code>TIMEOUT<\/code>/);
    expect(html).toContain('<code>NOERROR</code> 203.0.113.10');
    expect(html).toContain('No token yet: run npm run heartbeat-token -- nightly');
    expect(html).toContain('Prober healthy.');
    expect(html).not.toContain('Schedule lag'); // no scheduler in this app

    const token = t.app.store.heartbeats.rotate('nightly', t.clock.ms);
    t.app.store.heartbeats.recordPing('nightly', { at: t.clock.ms, ok: false, message: 'backup <failed>' });
    const withToken = (await eddie.get('/admin/probes')).body;
    expect(withToken).toContain(`Token ${token.slice(0, 4)}…, rotated 2026-11-22 12:00 UTC`);
    expect(withToken).toContain('last check-in 0 s ago (failure: backup &lt;failed&gt;)');
    expect(withToken).not.toContain(token);
  });

  it('says prominently why the prober is impaired', async () => {
    t = await appWithOperators({ yaml: PROBES_YAML });
    t.app.store.proberHealth.set({ impaired: true, since: t.clock.ms, reason: 'all 2 control targets <failing>' });
    const ada = await browser(t, ADMIN);
    for (const url of ['/admin/probes', '/admin']) {
      const html = (await ada.get(url)).body;
      expect(html, url).toMatch(/<section class="alert impaired" role="alert"[^>]*>\s*<h2 id="impaired-heading">Prober impaired<\/h2>/);
      expect(html, url).toContain('Since <time datetime="2026-11-22T12:00:00.000Z">2026-11-22 12:00 UTC</time>: all 2 control targets &lt;failing&gt;.');
      expect(html, url).not.toContain('Prober healthy.');
    }
  });

  it("shows the scheduler's lag when buildApp is given it", async () => {
    t = await appWithOperators({ yaml: PROBES_YAML });
    const lag = new LagStats(10);
    for (const ms of [1, 2, 3, 4, 100]) lag.add(ms);
    const app = await buildApp({ config: t.config, db: t.db, clock: t.clock.now, refreshMs: 0, probeLag: () => lag });
    try {
      const t2 = { ...t, app };
      const ada = await browser(t2, ADMIN);
      expect((await ada.get('/admin/probes')).body).toContain('Schedule lag over the last 5 runs: p50 3 ms, p99 100 ms.');
    } finally {
      await app.close();
    }
  });

  it('is behind the sign-in, and the public app never names a probe target', async () => {
    t = await appWithOperators({ yaml: PROBES_YAML });
    failingResults(t);
    t.app.monitor.handle([{ probeId: 'api', at: t.clock.ms, result: { outcome: 'down', ok: false, layer: 'connect', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED api.internal.acme.example', latencyMs: null } }]);
    await t.app.publisher.rebuild();
    const signedOut = await t.app.inject('/admin/probes');
    expect(signedOut.statusCode).toBe(303);
    expect(signedOut.headers.location).toBe('/admin/login?next=%2Fadmin%2Fprobes');
    expect(signedOut.body).not.toContain('api.internal.acme.example');
    for (const url of ['/probes', '/operator']) expect((await t.app.inject(url)).statusCode).toBe(404);
    for (const url of ['/', '/api/v2/summary.json', '/api/v2/components.json', '/history.rss', '/history.atom', '/admin/login']) {
      const body = (await t.app.inject(url)).body;
      for (const secret of ['api.internal.acme.example', '192.0.2.53', '2001:db8::53', 'ECONNREFUSED', 'dns-providers']) expect(body, `${url} leaks ${secret}`).not.toContain(secret);
    }
  });
});
