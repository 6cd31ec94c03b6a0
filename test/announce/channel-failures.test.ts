import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDiscordChannel, discordSchema } from '../../src/announce/discord.js';
import { createMastodonChannel, mastodonSchema } from '../../src/announce/mastodon.js';
import { parseRetryAfter } from '../../src/announce/http.js';
import { classify, receiverReason, redact, resetAtMs, urlSecrets } from '../../src/announce/send.js';
import { createSlackChannel, slackSchema } from '../../src/announce/slack.js';
import { createTeamsChannel, teamsSchema } from '../../src/announce/teams.js';
import type { Channel } from '../../src/announce/types.js';
import { createXChannel, xSchema } from '../../src/announce/x.js';
import { agent, closedPort, context, type Receiver, type Reply, startReceiver } from './channel-receiver.js';
import { AT, incidentAnnouncement } from './channel-fixtures.js';

/** How every chat channel classifies what a receiver does, and that no error carries a secret. */

const SECRET = {
  slack: 'SlackSecretToken0123456789',
  discord: 'DiscordSecretToken-abcdefghijklmnop',
  teams: 'TeamsSecretSignature0123456789',
  mastodon: 'MastodonSecretAccessToken0123456789',
  xConsumer: 'XConsumerSecret0123456789',
  xToken: 'XAccessTokenSecret0123456789',
};
const ALL_SECRETS = Object.values(SECRET);

const timeout = '500ms';
const CHANNELS: Array<[string, (origin: string) => Channel, string[]]> = [
  ['slack', (o) => createSlackChannel(slackSchema.parse({ id: 's', type: 'slack', timeout, webhook_url: `${o}/services/T1/B1/${SECRET.slack}` })), [SECRET.slack]],
  ['discord', (o) => createDiscordChannel(discordSchema.parse({ id: 'd', type: 'discord', timeout, webhook_url: `${o}/api/webhooks/1234/${SECRET.discord}` })), [SECRET.discord]],
  ['teams', (o) => createTeamsChannel(teamsSchema.parse({ id: 't', type: 'teams', timeout, webhook_url: `${o}/workflows/a/invoke?sig=${SECRET.teams}` })), [SECRET.teams]],
  ['mastodon', (o) => createMastodonChannel(mastodonSchema.parse({ id: 'm', type: 'mastodon', timeout, instance_url: o, access_token: SECRET.mastodon })), [SECRET.mastodon]],
  [
    'x',
    (o) =>
      createXChannel(
        xSchema.parse({ id: 'x', type: 'x', timeout, api_base: o, consumer_key: 'ck', consumer_secret: SECRET.xConsumer, access_token: 'tok', access_token_secret: SECRET.xToken }),
      ),
    [SECRET.xConsumer, SECRET.xToken],
  ],
];

const expectSecretFree = (error: string) => {
  for (const secret of ALL_SECRETS) expect(error).not.toContain(secret);
  expect(error).not.toMatch(/127\.0\.0\.1|services\/|webhooks\/|workflows\//);
};

afterAll(() => agent.close());

describe.each(CHANNELS)('%s', (_type, make, ownSecrets) => {
  let receiver: Receiver;
  beforeEach(async () => {
    receiver = await startReceiver();
  });
  afterEach(() => receiver.close());

  const deliver = async (reply: Reply, ctx = context()) => {
    receiver.replies = [reply];
    return make(receiver.origin).deliver(incidentAnnouncement(), ctx);
  };

  it.each<[string, Reply, object]>([
    ['500 is retryable', { status: 500, body: 'Internal Server Error' }, { retryable: true, status: 500 }],
    ['502 is retryable', { status: 502 }, { retryable: true, status: 502 }],
    ['503 with Retry-After seconds', { status: 503, headers: { 'retry-after': '30' } }, { retryable: true, status: 503, retryAfterMs: 30_000 }],
    ['429 with Retry-After seconds', { status: 429, headers: { 'retry-after': '7' } }, { retryable: true, status: 429, retryAfterMs: 7_000 }],
    ['429 with an HTTP-date Retry-After', { status: 429, headers: { 'retry-after': new Date(AT + 45_000).toUTCString() } }, { retryable: true, status: 429, retryAfterMs: 45_000 }],
    ['404 is permanent', { status: 404, body: 'no_service' }, { retryable: false, status: 404 }],
    ['403 is permanent', { status: 403, body: 'invalid_token' }, { retryable: false, status: 403 }],
    ['400 is permanent', { status: 400, body: 'invalid_payload' }, { retryable: false, status: 400 }],
    ['a redirect is not followed and is permanent', { status: 301, headers: { location: 'http://127.0.0.1:1/elsewhere' } }, { retryable: false, status: 301 }],
  ])('%s', async (_name, reply, expected) => {
    const result = await deliver(reply);
    expect(result).toMatchObject({ ok: false, ...expected });
    if (!result.ok) {
      expectSecretFree(result.error);
      if (!('retryAfterMs' in expected)) expect(result.retryAfterMs).toBeUndefined();
    }
    expect(receiver.received).toHaveLength(1);
  });

  it('an error page that quotes the secret or the URL does not leak it', async () => {
    const echo = `{"message":"unknown webhook ${receiver.origin}/x/ ${ownSecrets.join(' ')} ${ownSecrets.map(encodeURIComponent).join(' ')}"}`;
    const result = await deliver({ status: 404, headers: { 'content-type': 'application/json' }, body: echo });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expectSecretFree(result.error);
      expect(result.error).toMatch(/HTTP 404: unknown webhook/);
    }
  });

  it('a receiver that never answers: retryable after the channel timeout', async () => {
    const started = Date.now();
    const result = await deliver('hang');
    expect(result).toEqual({ ok: false, retryable: true, error: 'no answer within 500 ms' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('cancelled by the outbox (ctx.signal): retryable', async () => {
    const controller = new AbortController();
    const pending = deliver('hang', context({ signal: controller.signal }));
    await expect.poll(() => receiver.received.length, { timeout: 2_000 }).toBe(1);
    controller.abort();
    expect(await pending).toEqual({ ok: false, retryable: true, error: 'cancelled before an answer arrived' });
  });

  it('nothing listening: retryable, naming the error code only', async () => {
    const port = await closedPort();
    const result = await make(`http://127.0.0.1:${port}`).deliver(incidentAnnouncement(), context());
    expect(result).toEqual({ ok: false, retryable: true, error: 'connection refused (ECONNREFUSED)' });
  });
});

describe('classification helpers', () => {
  const answer = (status: number, headers: Record<string, string> = {}, text = '') => ({ status, headers, text });

  it.each([
    [200, true, undefined],
    [201, true, undefined],
    [204, true, undefined],
    [408, false, true],
    [429, false, true],
    [500, false, true],
    [503, false, true],
    [599, false, true],
    [400, false, false],
    [401, false, false],
    [404, false, false],
    [410, false, false],
    [422, false, false],
    [302, false, false],
  ])('HTTP %i: ok %s, retryable %s', (status, ok, retryable) => {
    const result = classify(answer(status), AT, { receiver: 'R', secrets: [] });
    expect(result.ok).toBe(ok);
    if (!result.ok) expect(result.retryable).toBe(retryable);
  });

  it.each([
    ['120', 120_000],
    ['0', 0],
    ['1.5', 1_500],
    [new Date(AT + 60_000).toUTCString(), 60_000],
    [new Date(AT - 60_000).toUTCString(), 0],
    ['soon', undefined],
    ['', undefined],
  ])('Retry-After %j', (value, expected) => {
    expect(parseRetryAfter(value, AT)).toBe(expected);
  });

  it.each([
    [String(Math.floor(AT / 1000) + 900), 900_000],
    [String(Math.floor(AT / 1000) - 5), 0],
    [new Date(AT + 30_000).toISOString(), 30_000],
    ['never', undefined],
  ])('rate-limit reset %j', (value, expected) => {
    expect(resetAtMs(value, AT)).toBe(expected);
  });

  it.each([
    ['Slack text', 'no_service', 'no_service'],
    ['Discord JSON', '{"message": "Unknown Webhook", "code": 10015}', 'Unknown Webhook'],
    ['Mastodon JSON', '{"error":"The access token is invalid"}', 'The access token is invalid'],
    ['X problem', '{"title":"Forbidden","detail":"You are not permitted to perform this action.","type":"about:blank"}', 'You are not permitted to perform this action.'],
    ['X v1 errors', '{"errors":[{"message":"Could not authenticate you","code":32}]}', 'Could not authenticate you'],
    ['an HTML page says nothing', '<html><body>502 Bad Gateway</body></html>', ''],
    ['URLs are cut', 'see https://hooks.example/services/abc for details', 'see [url] for details'],
    ['long text is cut', 'x'.repeat(500), `${'x'.repeat(159)}…`],
  ])('receiverReason: %s', (_name, text, expected) => {
    expect(receiverReason(text, [])).toBe(expected);
  });

  it('redact: plain and URL-encoded secrets', () => {
    expect(redact('a s3cr3t/+= b s3cr3t%2F%2B%3D c', ['s3cr3t/+='])).toBe('a [redacted] b [redacted] c');
  });

  it('urlSecrets: the URL and its long path segments and query values', () => {
    expect(urlSecrets('https://hooks.slack.com/services/T0001/B0001/abcdefghijklmnopqrstuvwx')).toEqual([
      'https://hooks.slack.com/services/T0001/B0001/abcdefghijklmnopqrstuvwx',
      'abcdefghijklmnopqrstuvwx',
    ]);
    expect(urlSecrets('https://x.logic.azure.com/workflows/0123456789abcdef01/invoke?sig=SIGNATURE-0123456789')).toContain('SIGNATURE-0123456789');
    // Shorter token-like parts too (a digit or a capital), and credentials; plain words stay readable.
    const short = urlSecrets('https://user:pa55word@relay.example/webhooks/DISCORDSECRET77/SLACKSECRETXYZ?key=k3y12345&mode=plain');
    for (const secret of ['DISCORDSECRET77', 'SLACKSECRETXYZ', 'k3y12345', 'pa55word']) expect(short).toContain(secret);
    for (const word of ['webhooks', 'plain', 'user']) expect(short).not.toContain(word);
    expect(redact('Unknown Webhook DISCORDSECRET77 at /webhooks/', short)).toBe('Unknown Webhook [redacted] at /webhooks/');
  });
});
