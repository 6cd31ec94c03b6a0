import { afterEach, describe, expect, it } from 'vitest';
import { buildOperatorApp } from '../../src/web/operator.js';
import { makeTestApp, type TestApp } from '../helpers/app.js';

const YAML = `
page: { id: acme, name: Acme, url: "https://status.acme.example" }
components:
  - { id: dns, name: DNS }
  - { id: api, name: API }
  - { id: jobs, name: Jobs }
probes:
  - id: dns-providers
    component: dns
    type: dns
    query: { name: acme.example, type: A }
    resolvers:
      - { name: Provider A, address: 192.0.2.53 }
      - { name: Provider B, address: "[2001:db8::53]:5353" }
  - { id: api, component: api, type: http, url: "https://api.internal.acme.example/health" }
  - { id: nightly, component: jobs, type: heartbeat, every: 24h }
`;

let t: TestApp;
afterEach(() => t.close());

describe('operator view', () => {
  it('shows phases, failing layer, raw error and each DNS resolver, escaped', async () => {
    t = await makeTestApp({ yaml: YAML });
    t.app.monitor.handle([
      {
        probeId: 'api',
        at: t.clock.ms,
        result: {
          outcome: 'down', ok: false, layer: 'tls', code: 'CERT_HAS_EXPIRED', message: 'certificate <expired>', latencyMs: null,
          phases: { dnsMs: 1.2, connectMs: 3.4, tlsMs: 5.6, totalMs: 10.2 },
        },
      },
      {
        probeId: 'dns-providers',
        at: t.clock.ms,
        result: {
          outcome: 'degraded', ok: true, layer: 'dns', code: 'RESOLVER_FAILED', message: 'Provider A: TIMEOUT', latencyMs: 12,
          resolvers: [
            { name: 'Provider A', address: '192.0.2.53', ok: false, rcode: 'TIMEOUT', answers: [], latencyMs: null },
            { name: 'Provider B', address: '[2001:db8::53]:5353', ok: true, rcode: 'NOERROR', answers: ['203.0.113.10'], latencyMs: 12 },
          ],
        },
      },
    ]);
    const operator = buildOperatorApp({ config: t.config, store: t.app.store, clock: t.clock.now });
    const html = (await operator.inject('/')).body;
    expect(html).toContain('layer <code>tls</code> · <code>CERT_HAS_EXPIRED</code>');
    expect(html).toContain('certificate &lt;expired&gt;');
    expect(html).toContain('DNS 1.2 ms · connect 3.4 ms · TLS 5.6 ms · total 10.2 ms');
    expect(html).toMatch(/<th scope="row">Provider A<\/th><td><code>192\.0\.2\.53<\/code><\/td><td><code>TIMEOUT<\/code>/);
    expect(html).toContain('<code>NOERROR</code> 203.0.113.10');
    expect(html).toContain('no token yet: run npm run heartbeat-token -- nightly');
    expect(html).toContain('Prober healthy.');
    // When the prober is impaired, the operator sees why.
    t.app.store.proberHealth.set({ impaired: true, since: t.clock.ms, reason: 'all 2 control targets failing' });
    const impaired = (await operator.inject('/')).body;
    expect(impaired).toContain('<strong>Prober impaired</strong>');
    expect(impaired).toContain('all 2 control targets failing. Automated status changes are frozen');
    await operator.close();
  });

  it('is not part of the public app, whose output never names a probe target', async () => {
    t = await makeTestApp({ yaml: YAML });
    t.app.monitor.handle([{ probeId: 'api', at: t.clock.ms, result: { outcome: 'down', ok: false, layer: 'connect', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED api.internal.acme.example', latencyMs: null } }]);
    await t.app.publisher.rebuild();
    for (const url of ['/probes', '/operator']) expect((await t.app.inject(url)).statusCode).toBe(404);
    expect((await t.app.inject('/admin')).headers.location).toBe('/admin/login');
    for (const url of ['/', '/api/v2/summary.json', '/api/v2/components.json', '/history.rss', '/history.atom']) {
      const body = (await t.app.inject(url)).body;
      for (const secret of ['api.internal.acme.example', '192.0.2.53', '2001:db8::53', 'ECONNREFUSED', 'dns-providers']) expect(body, `${url} leaks ${secret}`).not.toContain(secret);
    }
  });
});
