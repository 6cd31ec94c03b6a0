import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Announcer } from '../announce/announcer.js';
import { DEFAULT_EVENTS } from '../announce/filter.js';
import { channelTarget, type ChannelConfig } from '../announce/registry.js';
import { operatorActor } from '../auth/audit-store.js';
import { AdminHttpError } from '../auth/guards.js';
import { AdminViews } from '../auth/views.js';
import type { Store } from '../store/index.js';
import type { OutboxRow } from '../store/outbox.js';
import { formatDuration } from '../config/duration.js';
import type { Clock } from '../util/time.js';
import { ago, formatHelpers } from './admin-format.js';

export interface AdminAnnouncementsOptions {
  store: Store;
  clock: Clock;
  announcer: Announcer;
  /** The channels under `announce:`; only ids, types, filters and a secret-free target are shown. */
  channels: readonly ChannelConfig[];
  pageName: string;
}

/** Rows shown in a channel's delivery log. */
const LOG_LIMIT = 100;

/** What a row is about, in a few words. */
function subject(row: OutboxRow): string {
  const a = row.announcement;
  if (a.test) return 'Test message';
  if (a.incident) return `${a.incident.name}: ${a.incident.update.status.replace('_', ' ')}`;
  if (a.component) return `${a.component.name}: ${a.component.oldStatus.replace(/_/g, ' ')} → ${a.component.newStatus.replace(/_/g, ' ')}`;
  return row.kind;
}

/**
 * /admin/announcements: each channel's delivery log (queued, sent, failed; attempts, last error,
 * response code, times), a test message, and a manual retry of a failed row. Editors and admins
 * alike. Nothing here shows a secret: channels are named by id and type, with the webhook's host at
 * most (a Slack, Discord or Teams address is itself the secret and is never shown).
 */
export function adminAnnouncements(opts: AdminAnnouncementsOptions): FastifyPluginAsync {
  return async (admin: FastifyInstance) => {
    const { store, clock, announcer } = opts;
    const views = new AdminViews(opts.pageName);
    const channels = opts.channels.map((c) => ({
      id: c.id,
      type: c.type,
      target: channelTarget(c),
      events: c.events ?? DEFAULT_EVENTS,
      components: c.components ?? null,
      minImpact: c.min_impact,
      rate: c.rate_per_minute,
      deadline: formatDuration(c.deadline),
    }));
    const findChannel = (id: string) => {
      const channel = channels.find((c) => c.id === id);
      if (!channel) throw new AdminHttpError(404, `no channel "${id}" under announce: in outpost.yaml`);
      return channel;
    };
    const helpers = { ...formatHelpers, ago: (ms: number) => ago(clock() - ms), subject };

    admin.get('/announcements', async (request, reply) => {
      const counts = store.outbox.counts();
      const empty = { queued: 0, sending: 0, sent: 0, failed: 0 };
      return views.send(request, reply, 200, 'announcements', 'Announcements', {
        channels: channels.map((c) => ({ ...c, counts: counts.get(c.id) ?? empty })),
        ...helpers,
      }, 'announcements');
    });

    const sendLog = (request: FastifyRequest, reply: FastifyReply, channelId: string) => {
      const channel = findChannel(channelId);
      const query = request.query as Record<string, unknown>;
      const notice =
        query.test === 'queued' ? 'A test message is queued; it appears below once sent.'
        : query.test === 'duplicate' ? 'A test message was already queued in the last few minutes; it is in the log below.'
        : typeof query.retried === 'string' ? `Delivery #${query.retried} is queued again.`
        : null;
      return views.send(request, reply, 200, 'announcements-channel', `Announcements: ${channel.id}`, {
        channel,
        rows: store.outbox.list(channel.id, LOG_LIMIT),
        limit: LOG_LIMIT,
        now: clock(),
        notice,
        ...helpers,
      }, 'announcements');
    };

    admin.get<{ Params: { channel: string } }>('/announcements/:channel', async (request, reply) => sendLog(request, reply, request.params.channel));

    admin.post<{ Params: { channel: string } }>('/announcements/:channel/test', async (request, reply) => {
      const channel = findChannel(request.params.channel);
      const now = clock();
      const queued = store.db.transaction(() => {
        const done = announcer.sendTest(channel.id);
        if (done) store.audit.record({ at: now, actor: operatorActor(request.operator!), action: 'announcement.test', entityType: 'channel', entityId: channel.id, before: null, after: { queued: true } });
        return done;
      })();
      request.log.info({ channel: channel.id, operatorId: request.operator!.id, queued }, 'admin: test announcement');
      return reply.redirect(`/admin/announcements/${encodeURIComponent(channel.id)}?test=${queued ? 'queued' : 'duplicate'}`, 303);
    });

    admin.post<{ Params: { channel: string; seq: string } }>('/announcements/:channel/deliveries/:seq/retry', async (request, reply) => {
      const channel = findChannel(request.params.channel);
      const seq = Number(request.params.seq);
      const row = Number.isSafeInteger(seq) ? store.outbox.get(seq) : undefined;
      if (!row || row.channelId !== channel.id) throw new AdminHttpError(404, `no delivery #${request.params.seq} on channel "${channel.id}"`);
      const now = clock();
      const retried = store.db.transaction(() => {
        const done = announcer.retry(seq);
        if (done) store.audit.record({ at: now, actor: operatorActor(request.operator!), action: 'announcement.retry', entityType: 'channel', entityId: channel.id, before: { seq, state: row.state, lastError: row.lastError }, after: { seq, state: 'queued' } });
        return done;
      })();
      if (!retried) throw new AdminHttpError(409, `delivery #${seq} is ${row.state}; only a failed delivery can be retried`);
      request.log.info({ channel: channel.id, seq, operatorId: request.operator!.id }, 'admin: announcement retried');
      return reply.redirect(`/admin/announcements/${encodeURIComponent(channel.id)}?retried=${seq}`, 303);
    });
  };
}
