import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { parseConfig } from '../../src/config/load.js';

const base = `page: { id: acme, name: Acme, url: "https://status.acme.example" }
components:
  - { id: website, name: Website }
  - { id: api, name: API }
announce:
`;

/** The problems of a config, as the process prints them: file:line: field: message. */
function problems(yaml: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(base + yaml, 'outpost.yaml', env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message.split('\n').slice(1).map((l) => l.trim());
    throw err;
  }
  return [];
}

describe('announce: in the config', () => {
  it('reads a webhook channel with its defaults, the secret from the environment', () => {
    const config = parseConfig(
      base +
        `  - id: ops
    type: webhook
    url: https://hooks.acme.example/outpost?token=abc
    secret: \${HOOK_SECRET}
    headers: { Authorization: "Bearer \${HOOK_TOKEN}" }
`,
      'outpost.yaml',
      { HOOK_SECRET: 'a-secret-of-enough-length', HOOK_TOKEN: 't0k' },
    );
    expect(config.announce).toEqual([
      {
        id: 'ops',
        type: 'webhook',
        url: 'https://hooks.acme.example/outpost?token=abc',
        secret: 'a-secret-of-enough-length',
        headers: { Authorization: 'Bearer t0k' },
        min_impact: 'none',
        deadline: 86_400_000,
        rate_per_minute: 30,
        timeout: 10_000,
      },
    ]);
  });

  it('is optional: no channels, nothing announced', () => {
    expect(parseConfig(base.replace('announce:\n', ''), 'x', {}).announce).toEqual([]);
  });

  it('reads every shared field', () => {
    const config = parseConfig(
      base +
        `  - { id: ops, type: webhook, url: "http://127.0.0.1:9/x", secret: 0123456789abcdef, events: [incident.created, component.status],
      components: [api], min_impact: major, deadline: 2h, rate_per_minute: 600, timeout: 5s }
`,
      'x',
      {},
    );
    expect(config.announce[0]).toMatchObject({ events: ['incident.created', 'component.status'], components: ['api'], min_impact: 'major', deadline: 7_200_000, rate_per_minute: 600, timeout: 5000 });
  });

  it.each<[string, string, string]>([
    ['an unknown field, by name', `  - { id: ops, type: webhook, url: "https://h.example/", secret: 0123456789abcdef, retries: 3 }\n`, 'outpost.yaml:6: announce[0].retries: unknown field "retries"'],
    ['an unknown type, with the known ones', `  - { id: ops, type: pager, url: "https://h.example/" }\n`, 'outpost.yaml:6: announce[0].type: expected a channel type: one of webhook, slack, x, mastodon, discord, teams'],
    ['a missing secret', `  - { id: ops, type: webhook, url: "https://h.example/" }\n`, 'outpost.yaml:6: announce[0].secret: missing; expected string'],
    ['a short secret', `  - { id: ops, type: webhook, url: "https://h.example/", secret: short }\n`, 'outpost.yaml:6: announce[0].secret: expected a signing secret of at least 16 characters (e.g. from `openssl rand -hex 32`)'],
    ['a URL that is not http(s)', `  - { id: ops, type: webhook, url: "ftp://h.example/", secret: 0123456789abcdef }\n`, 'outpost.yaml:6: announce[0].url: expected the webhook address as an http:// or https:// URL'],
    ['an unknown event', `  - { id: ops, type: webhook, url: "https://h.example/", secret: 0123456789abcdef, events: [incident.deleted] }\n`, 'outpost.yaml:6: announce[0].events[0]: expected one of: incident.created, incident.updated, incident.resolved, maintenance.scheduled, maintenance.started, maintenance.updated, maintenance.completed, component.status'],
    ['an unknown component, with the known ones', `  - { id: ops, type: webhook, url: "https://h.example/", secret: 0123456789abcdef, components: [api, db] }\n`, 'outpost.yaml:6: announce[0].components[1]: unknown component "db"; expected one of: website, api'],
    ['an unknown impact', `  - { id: ops, type: webhook, url: "https://h.example/", secret: 0123456789abcdef, min_impact: huge }\n`, 'outpost.yaml:6: announce[0].min_impact: expected one of: none, minor, major, critical'],
    ['a deadline too short', `  - { id: ops, type: webhook, url: "https://h.example/", secret: 0123456789abcdef, deadline: 1s }\n`, 'outpost.yaml:6: announce[0].deadline: expected a duration between 10s and 7d, got 1s'],
    ['a header Outpost sets', `  - { id: ops, type: webhook, url: "https://h.example/", secret: 0123456789abcdef, headers: { X-Outpost-Signature: forged } }\n`, 'outpost.yaml:6: announce[0].headers.X-Outpost-Signature: is set by Outpost and cannot be replaced'],
  ])('rejects %s', (_name, yaml, expected) => {
    expect(problems(yaml)).toContain(expected);
  });

  it('rejects a duplicate channel id, naming the first', () => {
    const lines = problems(`  - { id: ops, type: webhook, url: "https://a.example/", secret: 0123456789abcdef }
  - { id: ops, type: webhook, url: "https://b.example/", secret: 0123456789abcdef }
`);
    expect(lines).toEqual(['outpost.yaml:7: announce[1].id: duplicate channel id "ops" (also announce[0])']);
  });

  it('names a missing environment variable without a second, confusing problem; never prints a secret', () => {
    const lines = problems(`  - { id: ops, type: webhook, url: "https://a.example/", secret: "\${NOPE}", headers: { Authorization: "\${TOKEN}" }, rate_per_minute: 0 }\n`, { TOKEN: 'very-secret-token' });
    expect(lines.some((l) => l.includes('announce[0].secret') && l.includes('NOPE'))).toBe(true);
    expect(lines.join('\n')).not.toContain('very-secret-token');
  });
});
