import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDiscordChannel, discordSchema } from '../../src/announce/discord.js';
import { createMastodonChannel, mastodonSchema, statusesUrl } from '../../src/announce/mastodon.js';
import { createSlackChannel, slackSchema } from '../../src/announce/slack.js';
import { createTeamsChannel, teamsSchema } from '../../src/announce/teams.js';
import { weighText, mastodonRules } from '../../src/announce/fit.js';
import { agent, context, type Receiver, startReceiver, strings } from './channel-receiver.js';
import { AT, HOSTILE_BODY, HOSTILE_NAME, incidentAnnouncement, maintenanceAnnouncement } from './channel-fixtures.js';

/** Exact requests of the Slack, Discord, Teams and Mastodon channels, against a real receiver. */

let receiver: Receiver;
afterEach(() => receiver.close());
afterAll(() => agent.close());

const hostile = () => incidentAnnouncement({ name: HOSTILE_NAME, update: { id: 'u', status: 'identified', body: HOSTILE_BODY, at: AT } });

describe('Slack', () => {
  const SLACK_PATH = '/services/T0001/B0001/SlackSecretToken0123456789';
  beforeEach(async () => {
    receiver = await startReceiver({ status: 200, headers: { 'content-type': 'text/html' }, body: 'ok' });
  });
  const channel = () => createSlackChannel(slackSchema.parse({ id: 'ops-slack', type: 'slack', webhook_url: `${receiver.origin}${SLACK_PATH}` }));

  it('POSTs Block Kit with a text fallback to the webhook URL', async () => {
    expect(await channel().deliver(incidentAnnouncement(), context())).toEqual({ ok: true, status: 200 });
    const [req] = receiver.received;
    expect(req).toMatchObject({ method: 'POST', url: SLACK_PATH });
    expect(req!.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(req!.headers.authorization).toBeUndefined();
    expect(JSON.parse(req!.body)).toEqual({
      text: '[Investigating] API latency\n\nWe are *looking* into <https://status.acme.com/x|slow responses>.\n\n<https://status.acme.com/incidents/inc1>',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: '[Investigating] API latency', emoji: false } },
        {
          type: 'section',
          fields: [
            { type: 'mrkdwn', text: '*Status*\nInvestigating' },
            { type: 'mrkdwn', text: '*Impact*\nMajor' },
            { type: 'mrkdwn', text: '*Affected*\nAPI: Partial outage, Website: Degraded performance' },
          ],
        },
        { type: 'section', text: { type: 'mrkdwn', text: 'We are *looking* into <https://status.acme.com/x|slow responses>.' } },
        {
          type: 'context',
          elements: [
            { type: 'mrkdwn', text: '<https://status.acme.com/incidents/inc1|View incident>' },
            { type: 'mrkdwn', text: 'Acme status · 22 Nov 2026, 14:05 CET' },
          ],
        },
      ],
      unfurl_links: false,
      unfurl_media: false,
    });
  });

  it('a maintenance shows its window', async () => {
    await channel().deliver(maintenanceAnnouncement(), context());
    const body = JSON.parse(receiver.received[0]!.body);
    expect(body.blocks[1].fields).toContainEqual({ type: 'mrkdwn', text: '*Window*\n24 Nov 2026, 23:00 CET – 25 Nov 2026, 01:00 CET' });
  });

  it('hostile names and bodies: no Slack control sequence, no HTML, only our links', async () => {
    await channel().deliver(hostile(), context());
    const body = JSON.parse(receiver.received[0]!.body);
    for (const text of strings(body)) {
      for (const m of text.matchAll(/<([^>]*)>/g)) {
        // plain_text (the header) shows < as typed; everything else is mrkdwn.
        if (text === body.blocks[0].text.text) continue;
        expect(m[1]).toMatch(/^(https?:|mailto:)/);
      }
    }
    expect(body.blocks[0].text.type).toBe('plain_text');
    expect(body.text).toContain('&lt;!channel&gt;');
    expect(body.text).not.toContain('javascript:alert(1)>');
  });
});

describe('Discord', () => {
  const DISCORD_PATH = '/api/webhooks/123456789012345678/DiscordSecretToken-abcdefghijklmnop';
  beforeEach(async () => {
    receiver = await startReceiver({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"id":"1300000000000000042","channel_id":"1"}' });
  });
  const channel = () => createDiscordChannel(discordSchema.parse({ id: 'discord', type: 'discord', webhook_url: `${receiver.origin}${DISCORD_PATH}` }));

  it('POSTs an embed with mentions disabled, waits for the message and keeps its id', async () => {
    expect(await channel().deliver(incidentAnnouncement(), context())).toEqual({ ok: true, status: 200, remoteId: '1300000000000000042' });
    const [req] = receiver.received;
    expect(req).toMatchObject({ method: 'POST', url: `${DISCORD_PATH}?wait=true` });
    expect(req!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req!.body)).toEqual({
      embeds: [
        {
          title: '[Investigating] API latency',
          url: 'https://status.acme.com/incidents/inc1',
          description: 'We are **looking** into [slow responses](https://status.acme.com/x).',
          color: 0xe8740c,
          fields: [
            { name: 'Status', value: 'Investigating', inline: true },
            { name: 'Impact', value: 'Major', inline: true },
            { name: 'Affected', value: 'API: Partial outage, Website: Degraded performance', inline: false },
          ],
          timestamp: '2026-11-22T13:05:00.000Z',
          footer: { text: 'Acme status · 22 Nov 2026, 14:05 CET' },
        },
      ],
      allowed_mentions: { parse: [] },
    });
  });

  it('keeps the query of a thread webhook', async () => {
    const c = createDiscordChannel(discordSchema.parse({ id: 'd', type: 'discord', webhook_url: `${receiver.origin}${DISCORD_PATH}?thread_id=99` }));
    await c.deliver(incidentAnnouncement(), context());
    expect(receiver.received[0]!.url).toBe(`${DISCORD_PATH}?thread_id=99&wait=true`);
  });

  it('within the embed limits for a huge update', async () => {
    const a = incidentAnnouncement({
      name: 'N'.repeat(400),
      update: { id: 'u', status: 'identified', body: 'word '.repeat(3000), at: AT },
      components: Array.from({ length: 200 }, (_, i) => ({ id: `c${i}`, name: `Component number ${i}`, status: 'major_outage' as const })),
    });
    await channel().deliver(a, context());
    const [embed] = JSON.parse(receiver.received[0]!.body).embeds;
    expect(embed.title.length).toBeLessThanOrEqual(256);
    expect(embed.description.length).toBeLessThanOrEqual(4096);
    expect(embed.fields.length).toBeLessThanOrEqual(25);
    for (const f of embed.fields) expect(f.value.length).toBeLessThanOrEqual(1024);
    const total = embed.title.length + embed.description.length + embed.footer.text.length + embed.fields.reduce((n: number, f: { name: string; value: string }) => n + f.name.length + f.value.length, 0);
    expect(total).toBeLessThanOrEqual(6000);
  });

  it('hostile names and bodies: mentions never ping, no live link but http(s)', async () => {
    await channel().deliver(hostile(), context());
    const body = JSON.parse(receiver.received[0]!.body);
    expect(body.allowed_mentions).toEqual({ parse: [] });
    const { description } = body.embeds[0];
    expect(description).not.toMatch(/(?<!\\)<[@#!]/);
    for (const m of description.matchAll(/(?<!\\)\[(?:[^\]\\]|\\.)*(?<!\\)\]\(([^)]*)\)/g)) expect(m[1]).toMatch(/^https?:/);
  });
});

describe('Teams', () => {
  const TEAMS_PATH = '/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=TeamsSecretSignature0123456789';
  beforeEach(async () => {
    receiver = await startReceiver({ status: 202 });
  });
  const channel = () => createTeamsChannel(teamsSchema.parse({ id: 'teams', type: 'teams', webhook_url: `${receiver.origin}${TEAMS_PATH}` }));

  it('POSTs a message with one Adaptive Card; a workflow answers 202', async () => {
    expect(await channel().deliver(incidentAnnouncement(), context())).toEqual({ ok: true, status: 202 });
    const [req] = receiver.received;
    expect(req).toMatchObject({ method: 'POST', url: TEAMS_PATH });
    expect(req!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req!.body)).toEqual({
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: {
            $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
            type: 'AdaptiveCard',
            version: '1.4',
            msteams: { width: 'Full' },
            body: [
              { type: 'TextBlock', text: '[Investigating] API latency', weight: 'Bolder', size: 'Medium', color: 'Attention', wrap: true, style: 'heading' },
              {
                type: 'FactSet',
                facts: [
                  { title: 'Status', value: 'Investigating' },
                  { title: 'Impact', value: 'Major' },
                  { title: 'Affected', value: 'API: Partial outage, Website: Degraded performance' },
                ],
              },
              { type: 'TextBlock', text: 'We are **looking** into [slow responses](https://status.acme.com/x).', wrap: true },
              { type: 'TextBlock', text: 'Acme status · 22 Nov 2026, 14:05 CET', isSubtle: true, size: 'Small', wrap: true },
            ],
            actions: [{ type: 'Action.OpenUrl', title: 'View incident', url: 'https://status.acme.com/incidents/inc1' }],
          },
        },
      ],
    });
  });

  it('an incoming webhook answering 200 "1" is delivered', async () => {
    receiver.replies = [{ status: 200, body: '1' }];
    expect(await channel().deliver(incidentAnnouncement(), context())).toEqual({ ok: true, status: 200 });
  });

  it('a 200 that says Teams refused with 429 is a retryable 429', async () => {
    receiver.replies = [{ status: 200, body: 'Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0,server=x' }];
    expect(await channel().deliver(incidentAnnouncement(), context())).toMatchObject({ ok: false, retryable: true, status: 429 });
  });

  it('hostile names and bodies: no live link but http(s)', async () => {
    await channel().deliver(hostile(), context());
    const card = JSON.parse(receiver.received[0]!.body).attachments[0].content;
    for (const text of strings(card.body)) {
      for (const m of text.matchAll(/(?<!\\)\[(?:[^\]\\]|\\.)*(?<!\\)\]\(([^)]*)\)/g)) expect(m[1]).toMatch(/^https?:/);
    }
  });
});

describe('Mastodon', () => {
  const TOKEN = 'MastodonSecretAccessToken0123456789';
  beforeEach(async () => {
    receiver = await startReceiver({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"id":"113000000000000001","content":"<p>…</p>"}' });
  });
  const channel = (extra: object = {}) =>
    createMastodonChannel(mastodonSchema.parse({ id: 'masto', type: 'mastodon', instance_url: receiver.origin, access_token: TOKEN, ...extra }));

  it('POSTs /api/v1/statuses with the bearer token and the idempotency key; the status id comes back', async () => {
    const result = await channel().deliver(incidentAnnouncement(), context({ idempotencyKey: 'masto:evt1' }));
    expect(result).toEqual({ ok: true, status: 200, remoteId: '113000000000000001' });
    const [req] = receiver.received;
    expect(req).toMatchObject({ method: 'POST', url: '/api/v1/statuses' });
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(req!.headers['idempotency-key']).toBe('masto:evt1');
    expect(JSON.parse(req!.body)).toEqual({
      status:
        '[Investigating] API latency\n\nWe are looking into slow responses (https://status.acme.com/x).\n\n' +
        'Affected: API: Partial outage, Website: Degraded performance\nhttps://status.acme.com/incidents/inc1',
      visibility: 'public',
    });
  });

  it('threads a later update as a reply, with the configured visibility', async () => {
    await channel({ visibility: 'unlisted' }).deliver(incidentAnnouncement(), context({ replyTo: '113000000000000001' }));
    expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({ in_reply_to_id: '113000000000000001', visibility: 'unlisted' });
  });

  it('fits 500 characters, or the instance limit', async () => {
    const a = incidentAnnouncement({ update: { id: 'u', status: 'identified', body: 'word '.repeat(400), at: AT } });
    await channel().deliver(a, context());
    await channel({ max_characters: 1000 }).deliver(a, context());
    const [short, long] = receiver.received.map((r) => JSON.parse(r.body).status as string);
    expect(weighText(short!, mastodonRules(500))).toBeLessThanOrEqual(500);
    expect(weighText(long!, mastodonRules(1000))).toBeLessThanOrEqual(1000);
    expect(long!.length).toBeGreaterThan(short!.length);
  });

  it('an instance under a path', () => {
    expect(statusesUrl('https://social.example/mastodon')).toBe('https://social.example/mastodon/api/v1/statuses');
  });

  it('429 with an ISO X-RateLimit-Reset is retryable at that time', async () => {
    receiver.replies = [{ status: 429, headers: { 'x-ratelimit-reset': new Date(AT + 120_000).toISOString() }, body: '{"error":"Too many requests"}' }];
    expect(await channel().deliver(incidentAnnouncement(), context())).toEqual({
      ok: false,
      retryable: true,
      status: 429,
      retryAfterMs: 120_000,
      error: 'Mastodon answered HTTP 429: Too many requests',
    });
  });

  it('hostile names and bodies: no @mention reaches Mastodon', async () => {
    await channel().deliver(hostile(), context());
    const { status } = JSON.parse(receiver.received[0]!.body) as { status: string };
    expect(status).not.toMatch(/(?<![\p{L}\p{N}_/=])@[\p{L}\p{N}_]/u);
    expect(status).toContain('<script>alert(1)</script>'); // text, which Mastodon escapes
  });
});
