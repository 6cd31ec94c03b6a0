import { z } from 'zod';
import { channelBase, httpUrl } from './channel-base.js';
import { fitPost, mastodonRules, postParts } from './fit.js';
import { buildMessage, type Message } from './message.js';
import { parseRetryAfter } from './http.js';
import { deliverJson, resetAtMs } from './send.js';
import type { Announcement, Channel, DeliveryContext, DeliveryResult } from './types.js';

/**
 * Mastodon: POST /api/v1/statuses with a bearer token and the delivery's Idempotency-Key (a retry
 * after a lost answer does not post twice), plain text fitted to the instance's limit (500 unless
 * configured; links count 23), later updates of an incident threaded as replies.
 */

const VISIBILITIES = ['public', 'unlisted', 'private', 'direct'] as const;

export const mastodonSchema = channelBase.extend({
  type: z.literal('mastodon'),
  instance_url: httpUrl('Mastodon instance URL'),
  access_token: z.string({ error: 'expected the access token (write:statuses scope)' }).min(1, 'expected the access token (write:statuses scope)'),
  visibility: z.enum(VISIBILITIES, { error: `expected one of: ${VISIBILITIES.join(', ')}` }).default('public'),
  /** Some instances allow longer posts (their /api/v2/instance says configuration.statuses.max_characters). */
  max_characters: z.number({ error: 'expected a whole number of characters' }).int().min(100).max(100_000).default(500),
});
export type MastodonChannelConfig = z.output<typeof mastodonSchema>;

export interface MastodonPayload {
  status: string;
  visibility: (typeof VISIBILITIES)[number];
  in_reply_to_id?: string;
}

/** The status to post. Pure. */
export function mastodonPayload(message: Message, config: Pick<MastodonChannelConfig, 'visibility' | 'max_characters'>, replyTo?: string): MastodonPayload {
  const status = fitPost(postParts(message), mastodonRules(config.max_characters));
  return { status, visibility: config.visibility, ...(replyTo ? { in_reply_to_id: replyTo } : {}) };
}

/** {instance}/api/v1/statuses, also for an instance served under a path. */
export function statusesUrl(instanceUrl: string): string {
  const base = instanceUrl.endsWith('/') ? instanceUrl : `${instanceUrl}/`;
  return new URL('api/v1/statuses', base).href;
}

export function createMastodonChannel(config: MastodonChannelConfig): Channel {
  const url = statusesUrl(config.instance_url);
  const secrets = [config.access_token];
  return {
    id: config.id,
    type: 'mastodon',
    async deliver(announcement: Announcement, ctx: DeliveryContext): Promise<DeliveryResult> {
      return deliverJson(
        {
          url,
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${config.access_token}`,
            'idempotency-key': ctx.idempotencyKey,
          },
          payload: mastodonPayload(buildMessage(announcement), config, ctx.replyTo),
          timeoutMs: config.timeout,
          secrets,
          receiver: 'Mastodon',
          // Mastodon's rate limiter says when the window resets as an ISO date.
          retryAfter: (answer, now) => parseRetryAfter(answer.headers['retry-after'], now) ?? (answer.status === 429 ? resetAtMs(answer.headers['x-ratelimit-reset'], now) : undefined),
          remoteId: (status) => (status as { id?: unknown } | undefined)?.id,
        },
        ctx,
      );
    },
  };
}

/** The `mastodon` channel type, for the registry. */
export const mastodonChannel = {
  schema: mastodonSchema,
  create: (config: MastodonChannelConfig) => createMastodonChannel(config),
  // The instance; the token travels in a header.
  target: (config: MastodonChannelConfig) => new URL(config.instance_url).host,
};
