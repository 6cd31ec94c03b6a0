import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { parseConfig } from '../../src/config/load.js';

const base = `page: { id: acme, name: Acme, url: "https://status.acme.example" }
components:
  - { id: website, name: Website }
  - { id: dns, name: DNS }
  - { id: database, name: Database }
  - { id: api, name: API }
probes:
`;

describe('probes in the config', () => {
  it('accepts the documented example with its defaults', () => {
    const config = parseConfig(
      base +
        `  - id: website
    component: website
    type: http
    url: https://www.acme.example/
    interval: 30s
    timeout: 10s
    expect: { status: [200-299], body_contains: Acme, max_latency: 2s }
  - id: dns-providers
    component: dns
    type: dns
    query: { name: acme.example, type: A }
    resolvers:
      - { name: Provider A, address: 192.0.2.53 }
      - { name: Provider B, address: "[2001:db8::53]:5353" }
    expect: { answers_include: [203.0.113.10], max_latency: 500ms }
  - { id: db-port, component: database, type: tcp, host: db.acme.example, port: 5432 }
  - { id: api-cert, component: api, type: tls, host: api.acme.example, expect: { min_days_left: 14 } }
  - { id: nightly-backup, component: database, type: heartbeat, every: 24h, grace: 1h }
  - { id: public-resolver, control: true, type: dns, query: { name: example.com }, resolvers: [{ name: Quad9, address: 9.9.9.9 }] }
`,
      'x',
      {},
    );
    expect(config.probes.map((p) => [p.id, p.type, p.interval, p.timeout, p.fail_after, p.recover_after])).toEqual([
      ['website', 'http', 30_000, 10_000, 2, 2],
      ['dns-providers', 'dns', 60_000, 10_000, 2, 2],
      ['db-port', 'tcp', 60_000, 10_000, 2, 2],
      ['api-cert', 'tls', 60_000, 10_000, 2, 2],
      ['nightly-backup', 'heartbeat', 60_000, 10_000, 1, 1],
      ['public-resolver', 'dns', 60_000, 10_000, 2, 2],
    ]);
    expect(config.monitoring).toEqual({
      concurrency: 64,
      raw_retention: 48 * 3600_000,
      rollup_retention: 400 * 86_400_000,
      impaired_when_failing: 0.8,
      impaired_min_probes: 5,
      auto_incidents: 'off',
      auto_incident_recovery: 'resolved',
    });
  });

  it.each([
    ['unknown type', `  - { id: x, component: website, type: ftp, url: "ftp://x" }`, 'probes[0].type', /one of http, dns, tcp, tls, heartbeat/],
    ['unknown component', `  - { id: x, component: nope, type: tcp, host: a.example, port: 1 }`, 'probes[0].component', /unknown component "nope"; expected one of: website/],
    ['bad duration', `  - { id: x, component: website, type: tcp, host: a.example, port: 1, interval: 5 minutes }`, 'probes[0].interval', /expected a duration such as 500ms/],
    ['no component', `  - { id: x, type: tcp, host: a.example, port: 1 }`, 'probes[0].component', /or control: true/],
    ['timeout over interval', `  - { id: x, component: website, type: tcp, host: a.example, port: 1, interval: 5s, timeout: 10s }`, 'probes[0].timeout', /no longer than the interval/],
    ['both component and control', `  - { id: x, component: website, control: true, type: tcp, host: a.example, port: 1 }`, 'probes[0].control', /cannot drive a component/],
    ['heartbeat as control', `  - { id: x, control: true, type: heartbeat, every: 1h }`, 'probes[0].control', /heartbeat cannot be a control probe/],
    ['duplicate id', `  - { id: x, component: website, type: tcp, host: a.example, port: 1 }\n  - { id: x, component: api, type: tcp, host: b.example, port: 1 }`, 'probes[1].id', /duplicate probe id "x"/],
    ['unknown field', `  - { id: x, component: website, type: tcp, host: a.example, port: 1, retries: 3 }`, 'probes[0].retries', /unknown field "retries"/],
  ])('%s', (_name, yaml, field, message) => {
    try {
      parseConfig(base + yaml + '\n', 'x', {});
      expect.unreachable('accepted');
    } catch (err) {
      const problem = (err as ConfigError).problems.find((p) => p.field === field);
      expect(problem, JSON.stringify((err as ConfigError).problems)).toBeDefined();
      expect(problem!.message).toMatch(message);
      // Each probe here is one line, starting at line 8.
      expect(problem!.line).toBe(8 + Number(/probes\[(\d+)\]/.exec(field)![1]));
    }
  });

  it('validates the monitoring section', () => {
    expect(() => parseConfig(base + '  []\nmonitoring: { rollup_retention: 30d }\n', 'x', {})).toThrow(/monitoring\.rollup_retention: expected a duration between 400d and 3650d, got 30d/);
  });
});
