import type { TestApp } from '../helpers/app.js';

export const PROBES_YAML = `
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

/** A TLS failure on the API probe and one DNS provider timing out. */
export function failingResults(t: TestApp) {
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
}
