import { createHash, createHmac } from 'node:crypto';
import { z } from 'zod';
import { isoInZone } from '../util/time.js';
import { channelBase, httpUrl } from './channel-base.js';
import { resultOf, sendHttp, type HttpRequest } from './http.js';
import type { ChannelKind } from './registry.js';
import type { Announcement, Channel, DeliveryContext } from './types.js';

/**
 * The generic webhook: Statuspage's webhook-subscriber body (meta, page, and incident or component
 * with component_update), so receivers written for Statuspage or Instatus work unchanged, signed with
 * HMAC-SHA256 over `${timestamp}.${body}` so a receiver can check it came from us and refuse replays.
 */

export const SIGNATURE_HEADER = 'x-outpost-signature';
export const EVENT_HEADER = 'x-outpost-event';
export const DELIVERY_HEADER = 'x-outpost-delivery';
const USER_AGENT = 'Outpost-Webhook/1 (+status page announcements)';

// Set by Outpost on every request: extra headers may not replace them.
const RESERVED = new Set(['content-type', 'content-length', 'host', 'user-agent', 'idempotency-key', SIGNATURE_HEADER, EVENT_HEADER, DELIVERY_HEADER, 'transfer-encoding', 'connection']);
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

export const webhookSchema = channelBase.extend({
  type: z.literal('webhook'),
  url: httpUrl('webhook address'),
  secret: z.string().min(16, 'expected a signing secret of at least 16 characters (e.g. from `openssl rand -hex 32`)'),
  /** Extra request headers, e.g. an Authorization the receiver wants. Values are never logged or shown. */
  headers: z
    .record(z.string(), z.string().refine((v) => !/[\r\n]/.test(v), 'expected a header value on one line'))
    // Checked here rather than as the record's key schema, whose errors do not say which key or why.
    .superRefine((headers, ctx) => {
      for (const name of Object.keys(headers)) {
        if (!HEADER_NAME.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: 'expected an HTTP header name' });
        else if (RESERVED.has(name.toLowerCase())) ctx.addIssue({ code: 'custom', path: [name], message: 'is set by Outpost and cannot be replaced' });
      }
    })
    .optional(),
});

export type WebhookChannelConfig = z.infer<typeof webhookSchema>;

/** The body, in Statuspage's webhook-subscriber shape. Pure: the same announcement and time give the same bytes. */
export function webhookPayload(a: Announcement, now: number): Record<string, unknown> {
  const body: Record<string, unknown> = {
    // Statuspage's keys; a subscription here lives in outpost.yaml, so there is no unsubscribe link,
    // and the documentation is the README's "Announcements" section, which has no fixed public address.
    meta: { unsubscribe: null, documentation: null, generated_at: isoInZone(now, 'Etc/UTC') },
    page: { id: a.page.id, status_indicator: a.page.indicator, status_description: a.page.description },
  };
  if (a.incident) body.incident = a.incident.statuspage;
  if (a.component) {
    body.component = a.component.statuspage;
    body.component_update = {
      old_status: a.component.oldStatus,
      new_status: a.component.newStatus,
      created_at: isoInZone(a.component.at, a.page.timeZone),
      component_type: 'Component',
      id: derivedId(a.eventId),
      component_id: a.component.id,
    };
  }
  // Outpost's additions live under `outpost`, as in the JSON API: which event this is, and whether it is a test.
  body.outpost = { event: a.kind, event_id: a.eventId, ...(a.test ? { test: true } : {}) };
  return body;
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, as Stripe-style receivers expect. */
export function sign(secret: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

/** The whole request: URL, headers (signature included) and body. Pure. */
export function webhookRequest(config: WebhookChannelConfig, a: Announcement, ctx: Pick<DeliveryContext, 'now' | 'idempotencyKey'>): HttpRequest {
  const body = JSON.stringify(webhookPayload(a, ctx.now));
  const timestamp = Math.floor(ctx.now / 1000);
  return {
    url: config.url,
    method: 'POST',
    body,
    headers: {
      ...config.headers,
      'content-type': 'application/json; charset=utf-8',
      'user-agent': USER_AGENT,
      [EVENT_HEADER]: a.test ? 'test' : a.kind,
      [DELIVERY_HEADER]: ctx.idempotencyKey,
      'idempotency-key': ctx.idempotencyKey,
      [SIGNATURE_HEADER]: sign(config.secret, timestamp, body),
    },
  };
}

export class WebhookChannel implements Channel {
  readonly type = 'webhook';
  readonly id: string;

  constructor(private readonly config: WebhookChannelConfig) {
    this.id = config.id;
  }

  async deliver(announcement: Announcement, ctx: DeliveryContext) {
    const sent = await sendHttp(webhookRequest(this.config, announcement, ctx), ctx);
    return sent.ok ? resultOf(sent.response, ctx.now) : sent.result;
  }
}

export const webhookChannel: ChannelKind<WebhookChannelConfig> = {
  schema: webhookSchema,
  create: (config) => new WebhookChannel(config),
  // The host says which receiver it is; the path and query may hold a token.
  target: (config) => new URL(config.url).host,
};

/** A stable 12-character id from the event id (Statuspage's id shape), for component_update.id. */
function derivedId(from: string): string {
  return createHash('sha256').update(from).digest('hex').slice(0, 12);
}
