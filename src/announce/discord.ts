import { z } from 'zod';
import { channelBase, httpUrl } from './channel-base.js';
import { clip } from './markdown.js';
import { buildMessage, FACT_LABELS, formatMessage, type Message, type Tone } from './message.js';
import { parseRetryAfter } from './http.js';
import { deliverJson, parseJson, urlSecrets } from './send.js';
import type { Announcement, Channel, DeliveryContext, DeliveryResult } from './types.js';

/**
 * Discord webhook: one embed (title linking to the incident, the update as its description,
 * status, impact and components as fields, a colour by impact) with every mention disabled, so an
 * operator's "@everyone" is text. `?wait=true` makes Discord answer with the message, whose id is
 * kept.
 */

export const discordSchema = channelBase.extend({
  type: z.literal('discord'),
  webhook_url: httpUrl('Discord webhook URL'),
});
export type DiscordChannelConfig = z.output<typeof discordSchema>;

export const DISCORD_COLOURS: Record<Tone, number> = {
  critical: 0xd93f3c,
  major: 0xe8740c,
  minor: 0xf1c40f,
  none: 0x95a5a6,
  maintenance: 0x3498db,
  resolved: 0x2fb344,
};

// Discord's embed limits.
const TITLE_MAX = 256;
const DESCRIPTION_MAX = 4096;
const FIELDS_MAX = 25;
const FIELD_NAME_MAX = 256;
const FIELD_VALUE_MAX = 1024;
const FOOTER_MAX = 2048;
const EMBED_TOTAL_MAX = 6000;

export interface DiscordPayload {
  embeds: Array<{
    title: string;
    url: string;
    description?: string;
    color: number;
    fields: Array<{ name: string; value: string; inline: boolean }>;
    timestamp: string;
    footer: { text: string };
  }>;
  allowed_mentions: { parse: [] };
}

/** The message as Discord's JSON. Pure. */
export function discordPayload(message: Message): DiscordPayload {
  const formatted = formatMessage(message, 'discord');
  // Embed titles, field names and footers show text as sent: the plain format.
  const plain = formatMessage(message, 'text');
  const title = clip(message.headline, TITLE_MAX);
  const footer = clip(plain.footer, FOOTER_MAX);
  const fields = formatted.facts.slice(0, FIELDS_MAX).map((fact) => ({
    name: clip(fact.label, FIELD_NAME_MAX),
    value: clip(fact.value, FIELD_VALUE_MAX, 'discord'),
    inline: fact.label !== FACT_LABELS.components,
  }));
  const used = title.length + footer.length + fields.reduce((sum, f) => sum + f.name.length + f.value.length, 0);
  const description = clip(formatted.body, Math.min(DESCRIPTION_MAX, EMBED_TOTAL_MAX - used), 'discord');
  return {
    embeds: [
      {
        title,
        url: message.url,
        ...(description ? { description } : {}),
        color: DISCORD_COLOURS[message.tone],
        fields,
        timestamp: new Date(message.at).toISOString(),
        footer: { text: footer },
      },
    ],
    allowed_mentions: { parse: [] },
  };
}

export function createDiscordChannel(config: DiscordChannelConfig): Channel {
  const secrets = urlSecrets(config.webhook_url);
  const url = new URL(config.webhook_url);
  url.searchParams.set('wait', 'true');
  return {
    id: config.id,
    type: 'discord',
    async deliver(announcement: Announcement, ctx: DeliveryContext): Promise<DeliveryResult> {
      return deliverJson(
        {
          url: url.href,
          headers: { 'content-type': 'application/json' },
          payload: discordPayload(buildMessage(announcement)),
          timeoutMs: config.timeout,
          secrets,
          receiver: 'Discord',
          // Discord sends Retry-After, and `retry_after` (seconds) in the JSON body.
          retryAfter: (answer, now) => {
            const header = parseRetryAfter(answer.headers['retry-after'], now);
            if (header !== undefined) return header;
            const body = parseJson(answer.text) as { retry_after?: unknown } | undefined;
            return typeof body?.retry_after === 'number' ? Math.ceil(body.retry_after * 1000) : undefined;
          },
          // With ?wait=true Discord answers with the message.
          remoteId: (sent) => (sent as { id?: unknown } | undefined)?.id,
        },
        ctx,
      );
    },
  };
}

/** The `discord` channel type, for the registry. */
export const discordChannel = {
  schema: discordSchema,
  create: (config: DiscordChannelConfig) => createDiscordChannel(config),
  // The webhook URL is the secret: nothing of it is shown.
  target: () => null,
};
