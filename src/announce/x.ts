import OAuth from 'oauth-1.0a';
import { createHmac, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { channelBase, httpUrl } from './channel-base.js';
import { fitTweet, postParts } from './fit.js';
import { buildMessage, type Message } from './message.js';
import { parseRetryAfter } from './http.js';
import { deliverJson, resetAtMs } from './send.js';
import type { Announcement, Channel, DeliveryContext, DeliveryResult } from './types.js';

/**
 * X (Twitter): API v2 POST /2/tweets with OAuth 1.0a user context (HMAC-SHA1, RFC 5849), the text
 * fitted to 280 with links counted 23, and later updates of an incident posted as replies under the
 * previous post. The API base is configurable so tests and proxies can stand in for api.x.com.
 */

const secret = (what: string) => z.string({ error: `expected the ${what}` }).min(1, `expected the ${what}`);

export const xSchema = channelBase.extend({
  type: z.literal('x'),
  api_base: httpUrl('X API base URL').default('https://api.x.com'),
  consumer_key: secret('API key (consumer key)'),
  consumer_secret: secret('API key secret (consumer secret)'),
  access_token: secret('access token of the posting account'),
  access_token_secret: secret('access token secret of the posting account'),
});
export type XChannelConfig = z.output<typeof xSchema>;

export interface XPayload {
  text: string;
  reply?: { in_reply_to_tweet_id: string };
}

/** The post to send. Pure. */
export function xPayload(message: Message, replyTo?: string): XPayload {
  return { text: fitTweet(postParts(message)), ...(replyTo ? { reply: { in_reply_to_tweet_id: replyTo } } : {}) };
}

/** {api_base}/2/tweets, also for a base served under a path (a proxy). */
export function tweetsUrl(apiBase: string): string {
  const base = apiBase.endsWith('/') ? apiBase : `${apiBase}/`;
  return new URL('2/tweets', base).href;
}

export interface OAuthCredentials {
  consumerKey: string;
  consumerSecret: string;
  token: string;
  tokenSecret: string;
}

/**
 * The Authorization header for one request, signed with HMAC-SHA1 over RFC 5849's base string.
 * Only query and form parameters are signed: a JSON body is not part of the base string, so
 * `form` is empty for /2/tweets. oauth-1.0a builds the base string; the nonce (random, from
 * node:crypto) and the timestamp (the injected clock) are ours, so a test can reproduce a signature.
 */
export function oauthHeader(
  request: { method: string; url: string; form?: Record<string, string> },
  credentials: OAuthCredentials,
  nowMs: number,
  nonce = randomBytes(16).toString('hex'),
): string {
  const oauth = new OAuth({
    consumer: { key: credentials.consumerKey, secret: credentials.consumerSecret },
    signature_method: 'HMAC-SHA1',
    hash_function: (base, key) => createHmac('sha1', key).update(base).digest('base64'),
  });
  const data = {
    oauth_consumer_key: credentials.consumerKey,
    oauth_nonce: nonce,
    oauth_signature_method: 'HMAC-SHA1',
    oauth_timestamp: Math.floor(nowMs / 1000),
    oauth_token: credentials.token,
    oauth_version: '1.0',
  };
  const signature = oauth.getSignature({ url: request.url, method: request.method, data: { ...request.form } }, credentials.tokenSecret, data);
  return oauth.toHeader({ ...data, oauth_signature: signature }).Authorization;
}

export function createXChannel(config: XChannelConfig): Channel {
  const url = tweetsUrl(config.api_base);
  const credentials: OAuthCredentials = {
    consumerKey: config.consumer_key,
    consumerSecret: config.consumer_secret,
    token: config.access_token,
    tokenSecret: config.access_token_secret,
  };
  const secrets = [config.consumer_key, config.consumer_secret, config.access_token, config.access_token_secret];
  return {
    id: config.id,
    type: 'x',
    async deliver(announcement: Announcement, ctx: DeliveryContext): Promise<DeliveryResult> {
      return deliverJson(
        {
          url,
          headers: { 'content-type': 'application/json', authorization: oauthHeader({ method: 'POST', url }, credentials, ctx.now) },
          payload: xPayload(buildMessage(announcement), ctx.replyTo),
          timeoutMs: config.timeout,
          secrets,
          receiver: 'X',
          // X refuses a post identical to a recent one. After a crash between X accepting our post and
          // the outbox recording it, the retry gets exactly this answer: the post is out, so it counts
          // as delivered (without an id to thread under; later replies go under the previous one).
          delivered: (answer) => answer.status === 403 && /duplicate content/i.test(answer.text),
          // X says when a limit resets as Unix seconds, on every answer; after a 429 the later of its
          // 15-minute window and its 24-hour posting cap (x-user-limit-24hour-reset, sent once the
          // cap is reached) says when to come back: retrying every few minutes all day would only
          // hold the channel.
          retryAfter: (answer, now) =>
            (answer.status === 429 ? latest(resetAtMs(answer.headers['x-rate-limit-reset'], now), resetAtMs(answer.headers['x-user-limit-24hour-reset'], now)) : undefined) ??
            parseRetryAfter(answer.headers['retry-after'], now),
          remoteId: (created) => (created as { data?: { id?: unknown } } | undefined)?.data?.id,
        },
        ctx,
      );
    },
  };
}

/** The `x` channel type, for the registry. */
export const xChannel = {
  schema: xSchema,
  create: (config: XChannelConfig) => createXChannel(config),
  // The API host; the keys travel in a header.
  target: (config: XChannelConfig) => new URL(config.api_base).host,
};

function latest(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.max(a, b);
}
