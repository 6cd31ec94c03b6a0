import { z } from 'zod';
import { duration } from '../config/duration.js';
import { IMPACTS } from '../status/types.js';
import { EVENT_KINDS } from './types.js';

const ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/**
 * Fields every channel under `announce:` has. Each channel type extends this with its own
 * (`channelBase.extend({ type: z.literal('slack'), webhook_url: ... })`) so that one strict schema
 * per type rejects unknown fields by name. Secrets come in through ${ENV} interpolation.
 */
export const channelBase = z.strictObject({
  id: z.string().regex(ID, "expected a channel id: lower-case letters, digits, '-' or '_'"),
  /**
   * Which events to announce. Default: every incident and maintenance event; component status
   * changes only when listed (they are frequent and usually covered by an incident).
   */
  events: z
    .array(z.enum(EVENT_KINDS, { error: `expected one of: ${EVENT_KINDS.join(', ')}` }))
    .min(1)
    .optional(),
  /** Only events touching at least one of these components (ids). Default: all. */
  components: z.array(z.string().regex(ID, 'expected a component id')).min(1).optional(),
  /** Incidents below this impact are not announced (maintenance always is). Default: none, i.e. all. */
  min_impact: z.enum(IMPACTS, { error: `expected one of: ${IMPACTS.join(', ')}` }).default('none'),
  /** How long the outbox keeps retrying one announcement before marking it failed. */
  deadline: duration({ min: 10_000, max: 7 * 86_400_000 }).default(24 * 3_600_000),
  /** At most this many deliveries per minute on this channel (receivers' own limits are honoured too). */
  rate_per_minute: z.number().int().min(1).max(6000).default(30),
  /** Per-request timeout. */
  timeout: duration({ min: 500, max: 60_000 }).default(10_000),
});

export type ChannelBaseConfig = z.infer<typeof channelBase>;

/** An absolute http(s) URL: webhook addresses and API bases. */
export const httpUrl = (what: string) =>
  z
    .string()
    .url(`expected the ${what} as an absolute http(s) URL`)
    .refine((u) => /^https?:\/\//i.test(u), `expected the ${what} as an http:// or https:// URL`);
