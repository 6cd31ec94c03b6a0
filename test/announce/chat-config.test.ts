import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { parseConfig } from '../../src/config/load.js';
import { channelTarget } from '../../src/announce/registry.js';

/** The chat channels under `announce:` in outpost.yaml: their fields, defaults and errors. */

const base = `page: { id: acme, name: Acme, url: "https://status.acme.example" }
components:
  - { id: api, name: API }
announce:
`;

function problems(yaml: string): string[] {
  try {
    parseConfig(base + yaml, 'outpost.yaml', {});
  } catch (err) {
    if (err instanceof ConfigError) return err.message.split('\n').slice(1).map((l) => l.trim());
    throw err;
  }
  return [];
}

const shared = { min_impact: 'none', deadline: 86_400_000, rate_per_minute: 30, timeout: 10_000 };

describe('chat channels in the config', () => {
  it('reads every type with its defaults, secrets from the environment', () => {
    const config = parseConfig(
      base +
        `  - { id: slack, type: slack, webhook_url: "\${SLACK_URL}" }
  - { id: x, type: x, consumer_key: k, consumer_secret: "\${X_SECRET}", access_token: t, access_token_secret: ts }
  - { id: masto, type: mastodon, instance_url: "https://social.example", access_token: "\${MASTODON_TOKEN}" }
  - { id: discord, type: discord, webhook_url: "https://discord.com/api/webhooks/1/abc" }
  - { id: teams, type: teams, webhook_url: "https://acme.webhook.office.com/webhookb2/x" }
`,
      'outpost.yaml',
      { SLACK_URL: 'https://hooks.slack.com/services/T/B/secret', X_SECRET: 'xs', MASTODON_TOKEN: 'mt' },
    );
    expect(config.announce).toEqual([
      { id: 'slack', type: 'slack', webhook_url: 'https://hooks.slack.com/services/T/B/secret', ...shared },
      { id: 'x', type: 'x', api_base: 'https://api.x.com', consumer_key: 'k', consumer_secret: 'xs', access_token: 't', access_token_secret: 'ts', ...shared },
      { id: 'masto', type: 'mastodon', instance_url: 'https://social.example', access_token: 'mt', visibility: 'public', max_characters: 500, ...shared },
      { id: 'discord', type: 'discord', webhook_url: 'https://discord.com/api/webhooks/1/abc', ...shared },
      { id: 'teams', type: 'teams', webhook_url: 'https://acme.webhook.office.com/webhookb2/x', ...shared },
    ]);
    // The admin names where a channel sends without its secrets: webhook URLs are secrets themselves.
    expect(config.announce.map(channelTarget)).toEqual([null, 'api.x.com', 'social.example', null, null]);
  });

  it.each([
    ['a Slack URL that is not http(s)', `  - { id: s, type: slack, webhook_url: "ftp://h.example/" }\n`, 'outpost.yaml:5: announce[0].webhook_url: expected the Slack webhook URL as an http:// or https:// URL'],
    ['a missing X secret', `  - { id: x, type: x, consumer_key: k, access_token: t, access_token_secret: ts }\n`, 'outpost.yaml:5: announce[0].consumer_secret: expected the API key secret (consumer secret)'],
    ['an empty Mastodon token', `  - { id: m, type: mastodon, instance_url: "https://s.example", access_token: "" }\n`, 'outpost.yaml:5: announce[0].access_token: expected the access token (write:statuses scope)'],
    ['an unknown visibility', `  - { id: m, type: mastodon, instance_url: "https://s.example", access_token: t, visibility: everyone }\n`, 'outpost.yaml:5: announce[0].visibility: expected one of: public, unlisted, private, direct'],
    ['an unknown field', `  - { id: d, type: discord, webhook_url: "https://d.example/", username: bot }\n`, 'outpost.yaml:5: announce[0].username: unknown field "username"'],
  ])('rejects %s', (_name, yaml, expected) => {
    const found = problems(yaml);
    expect(found.some((p) => p.startsWith(expected))).toBe(true);
  });
});
