import { z } from 'zod';
import { channelBase, httpUrl } from './channel-base.js';
import { clip, slackUrl } from './markdown.js';
import { buildMessage, formatMessage, type Message, renderTemplate } from './message.js';
import { deliverJson, urlSecrets } from './send.js';
import type { Announcement, Channel, DeliveryContext, DeliveryResult } from './types.js';

/**
 * Slack incoming webhook: a Block Kit message (header, facts, the update in mrkdwn, a context line
 * with the link) and a plain `text` fallback for notifications and old clients. Slack answers 200
 * "ok"; 404 no_service, 403 invalid_token and 410 channel_is_archived are permanent.
 */

export const slackSchema = channelBase.extend({
  type: z.literal('slack'),
  webhook_url: httpUrl('Slack webhook URL'),
});
export type SlackChannelConfig = z.output<typeof slackSchema>;

// Block Kit's limits.
const HEADER_MAX = 150;
const SECTION_MAX = 3000;
const FIELD_MAX = 2000;
const FIELDS_MAX = 10;
const FALLBACK_BODY_MAX = 2000;

export interface SlackPayload {
  text: string;
  blocks: Array<Record<string, unknown>>;
  unfurl_links: false;
  unfurl_media: false;
}

/** The message as Slack's JSON. Pure. */
export function slackPayload(message: Message): SlackPayload {
  const mrkdwn = formatMessage(message, 'mrkdwn', SECTION_MAX);
  const blocks: Array<Record<string, unknown>> = [
    // plain_text renders no links or mentions: the headline goes verbatim.
    { type: 'header', text: { type: 'plain_text', text: clip(message.headline, HEADER_MAX), emoji: false } },
    {
      type: 'section',
      fields: mrkdwn.facts
        .slice(0, FIELDS_MAX)
        .map((fact) => ({ type: 'mrkdwn', text: clip(renderTemplate('mrkdwn', 'slack-field', fact), FIELD_MAX, 'mrkdwn') })),
    },
  ];
  if (mrkdwn.body) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: mrkdwn.body } });
  blocks.push({
    type: 'context',
    elements: [
      { type: 'mrkdwn', text: renderTemplate('mrkdwn', 'slack-link', { url: slackUrl(message.url), label: message.linkLabel }) },
      { type: 'mrkdwn', text: mrkdwn.footer },
    ],
  });
  const text = renderTemplate('mrkdwn', 'slack-text', {
    ...message,
    body: clip(mrkdwn.body, FALLBACK_BODY_MAX, 'mrkdwn'),
    url: slackUrl(message.url),
  });
  return { text, blocks, unfurl_links: false, unfurl_media: false };
}

export function createSlackChannel(config: SlackChannelConfig): Channel {
  const secrets = urlSecrets(config.webhook_url);
  return {
    id: config.id,
    type: 'slack',
    async deliver(announcement: Announcement, ctx: DeliveryContext): Promise<DeliveryResult> {
      return deliverJson(
        {
          url: config.webhook_url,
          headers: { 'content-type': 'application/json; charset=utf-8' },
          payload: slackPayload(buildMessage(announcement)),
          timeoutMs: config.timeout,
          secrets,
          receiver: 'Slack',
        },
        ctx,
      );
    },
  };
}

/** The `slack` channel type, for the registry. */
export const slackChannel = {
  schema: slackSchema,
  create: (config: SlackChannelConfig) => createSlackChannel(config),
  // The webhook URL is the secret: nothing of it is shown.
  target: () => null,
};
