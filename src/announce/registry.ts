import type { z } from 'zod';
import type { PageConfig } from '../config/schema.js';
import type { Channel } from './types.js';
import { discordChannel, type DiscordChannelConfig } from './discord.js';
import { mastodonChannel, type MastodonChannelConfig } from './mastodon.js';
import { slackChannel, type SlackChannelConfig } from './slack.js';
import { teamsChannel, type TeamsChannelConfig } from './teams.js';
import { webhookChannel, type WebhookChannelConfig } from './webhook.js';
import { xChannel, type XChannelConfig } from './x.js';

/** Every channel type's config; each is channelBase extended with `type` and its own fields. */
export type ChannelConfig = WebhookChannelConfig | SlackChannelConfig | XChannelConfig | MastodonChannelConfig | DiscordChannelConfig | TeamsChannelConfig;
export type ChannelType = ChannelConfig['type'];

/** What a channel may need besides its own config. */
export interface ChannelDeps {
  page: PageConfig;
}

/** A channel type: its config schema, how to make one, and where it sends, said without secrets. */
export interface ChannelKind<C extends ChannelConfig> {
  readonly schema: z.ZodType<C, unknown>;
  create(config: C, deps: ChannelDeps): Channel;
  /** Shown in the admin: e.g. the webhook's host. null when the address itself is the secret (Slack, Discord, Teams). */
  target(config: C): string | null;
}

/** Every channel type, keyed by its type: the compiler rejects a type missing here. */
export const CHANNEL_KINDS: { [T in ChannelType]: ChannelKind<Extract<ChannelConfig, { type: T }>> } = {
  webhook: webhookChannel,
  slack: slackChannel,
  x: xChannel,
  mastodon: mastodonChannel,
  discord: discordChannel,
  teams: teamsChannel,
};

export const CHANNEL_TYPES = Object.keys(CHANNEL_KINDS) as ChannelType[];

function kindOf(config: ChannelConfig): ChannelKind<ChannelConfig> {
  return CHANNEL_KINDS[config.type] as unknown as ChannelKind<ChannelConfig>;
}

export function createChannel(config: ChannelConfig, deps: ChannelDeps): Channel {
  return kindOf(config).create(config, deps);
}

export function channelTarget(config: ChannelConfig): string | null {
  return kindOf(config).target(config);
}
