import { z } from 'zod';
import { channelBase, httpUrl } from './channel-base.js';
import { buildMessage, formatMessage, type Message, type Tone } from './message.js';
import { type Answer, deliverJson, urlSecrets } from './send.js';
import type { Announcement, Channel, DeliveryContext, DeliveryResult } from './types.js';

/**
 * Microsoft Teams: a message with one Adaptive Card (1.4), the shape both a channel's incoming
 * webhook and a Power Automate workflow ("when a Teams webhook request is received") accept.
 * Headline, facts, the update in the TextBlock Markdown subset, a footer, and a button to the
 * incident. Incoming webhooks answer 200, workflows 202.
 */

export const teamsSchema = channelBase.extend({
  type: z.literal('teams'),
  webhook_url: httpUrl('Teams webhook or workflow URL'),
});
export type TeamsChannelConfig = z.output<typeof teamsSchema>;

export const TEAMS_COLOURS: Record<Tone, string> = {
  critical: 'Attention',
  major: 'Attention',
  minor: 'Warning',
  none: 'Default',
  maintenance: 'Accent',
  resolved: 'Good',
};

/** Teams refuses cards over about 28 KB; the body is kept well under that. */
const BODY_MAX = 20_000;

export interface TeamsPayload {
  type: 'message';
  attachments: Array<{ contentType: 'application/vnd.microsoft.card.adaptive'; contentUrl: null; content: Record<string, unknown> }>;
}

/** The message as a Teams message with an Adaptive Card. Pure. */
export function teamsPayload(message: Message): TeamsPayload {
  const teams = formatMessage(message, 'teams', BODY_MAX);
  const body: Array<Record<string, unknown>> = [
    { type: 'TextBlock', text: teams.headline, weight: 'Bolder', size: 'Medium', color: TEAMS_COLOURS[message.tone], wrap: true, style: 'heading' },
    { type: 'FactSet', facts: teams.facts.map((fact) => ({ title: fact.label, value: fact.value })) },
  ];
  if (teams.body) body.push({ type: 'TextBlock', text: teams.body, wrap: true });
  body.push({ type: 'TextBlock', text: teams.footer, isSubtle: true, size: 'Small', wrap: true });
  return {
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
          body,
          actions: [{ type: 'Action.OpenUrl', title: message.linkLabel, url: message.url }],
        },
      },
    ],
  };
}

/**
 * Teams' older connector webhooks answer 200 even when Teams refused the card, saying so in the
 * body ("Microsoft Teams endpoint returned HTTP error 429 …"): that status is the real one.
 */
export function teamsStatus(answer: Answer): Answer {
  const embedded = /returned HTTP error (\d{3})/i.exec(answer.text);
  return answer.status >= 200 && answer.status < 300 && embedded ? { ...answer, status: Number(embedded[1]) } : answer;
}

export function createTeamsChannel(config: TeamsChannelConfig): Channel {
  const secrets = urlSecrets(config.webhook_url);
  return {
    id: config.id,
    type: 'teams',
    async deliver(announcement: Announcement, ctx: DeliveryContext): Promise<DeliveryResult> {
      return deliverJson(
        {
          url: config.webhook_url,
          headers: { 'content-type': 'application/json' },
          payload: teamsPayload(buildMessage(announcement)),
          timeoutMs: config.timeout,
          secrets,
          receiver: 'Teams',
          answer: teamsStatus,
        },
        ctx,
      );
    },
  };
}

/** The `teams` channel type, for the registry. */
export const teamsChannel = {
  schema: teamsSchema,
  create: (config: TeamsChannelConfig) => createTeamsChannel(config),
  // The webhook URL is the secret: nothing of it is shown.
  target: () => null,
};
