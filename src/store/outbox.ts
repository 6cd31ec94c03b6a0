import type { Statement } from 'better-sqlite3';
import { EVENT_KINDS, type Announcement, type EventKind } from '../announce/types.js';
import type { Db } from '../db/open.js';

export const OUTBOX_STATES = ['queued', 'sending', 'sent', 'failed'] as const;
export type OutboxState = (typeof OUTBOX_STATES)[number];

export interface OutboxRow {
  seq: number;
  eventId: string;
  channelId: string;
  kind: EventKind;
  incidentId: string | null;
  componentId: string | null;
  isTest: boolean;
  announcement: Announcement;
  state: OutboxState;
  attempts: number;
  queuedAt: number;
  deadlineAt: number;
  nextAttemptAt: number;
  leaseUntil: number | null;
  lastAttemptAt: number | null;
  lastStatus: number | null;
  lastError: string | null;
  remoteId: string | null;
  sentAt: number | null;
  failedAt: number | null;
}

export interface NewOutboxRow {
  eventId: string;
  channelId: string;
  kind: EventKind;
  incidentId: string | null;
  componentId: string | null;
  /** What a double submit would repeat; null for events that cannot be submitted twice. */
  contentKey: string | null;
  isTest: boolean;
  announcement: Announcement;
  queuedAt: number;
  deadlineAt: number;
}

export type ChannelCounts = Record<OutboxState, number>;

interface Row {
  seq: number;
  event_id: string;
  channel_id: string;
  kind: EventKind;
  incident_id: string | null;
  component_id: string | null;
  content_key: string | null;
  is_test: number;
  announcement: string;
  state: OutboxState;
  attempts: number;
  queued_at: number;
  deadline_at: number;
  next_attempt_at: number;
  lease_until: number | null;
  last_attempt_at: number | null;
  last_status: number | null;
  last_error: string | null;
  remote_id: string | null;
  sent_at: number | null;
  failed_at: number | null;
}

/** Announcement rows: every SQL statement that touches the outbox. */
export class OutboxStore {
  private readonly insertStmt: Statement;
  private readonly headsStmt: Statement;
  private readonly claimStmt: Statement;
  private readonly sentStmt: Statement;
  private readonly retryLaterStmt: Statement;
  private readonly failedStmt: Statement;
  private readonly releaseStmt: Statement;
  private readonly threadStmt: Statement;
  private readonly listStmt: Statement;
  private readonly getStmt: Statement;
  private readonly requeueStmt: Statement;
  private readonly countsStmt: Statement;
  private readonly lastAttemptStmt: Statement;
  private deletedStmt: Statement | undefined;
  private pruneStmt: Statement | undefined;
  private forUpdateStmt: Statement | undefined;
  private orphansStmt: Statement | undefined;

  constructor(private readonly db: Db) {
    // The same event twice is one row (the unique key); the same content on the same channel within
    // the window is a double submit, and is one row too. Both are decided here, inside the writer's
    // transaction, where SQLite's single writer makes check-then-insert race-free.
    this.insertStmt = db.prepare(`
      INSERT INTO outbox (event_id, channel_id, kind, incident_id, component_id, content_key, is_test, announcement,
                          queued_at, deadline_at, next_attempt_at)
      SELECT @event_id, @channel_id, @kind, @incident_id, @component_id, @content_key, @is_test, @announcement,
             @queued_at, @deadline_at, @queued_at
      WHERE @content_key IS NULL OR NOT EXISTS (
        -- A failed row does not count: an operator who posts the same words again after seeing the
        -- delivery fail wants them out.
        SELECT 1 FROM outbox WHERE channel_id = @channel_id AND content_key = @content_key AND queued_at > @since
                               AND state <> 'failed')
      ON CONFLICT (event_id, channel_id) DO NOTHING`);
    this.headsStmt = db.prepare(`
      SELECT o.* FROM outbox o
      JOIN (SELECT channel_id, min(seq) AS seq FROM outbox WHERE state IN ('queued', 'sending') GROUP BY channel_id) h
        ON o.seq = h.seq
      ORDER BY o.seq`);
    this.claimStmt = db.prepare(`
      UPDATE outbox SET state = 'sending', attempts = attempts + 1, lease_until = @lease_until, last_attempt_at = @now
      WHERE seq = @seq AND (state = 'queued' OR (state = 'sending' AND lease_until <= @now))`);
    this.sentStmt = db.prepare(`
      UPDATE outbox SET state = 'sent', sent_at = @now, last_status = @status, last_error = NULL, remote_id = @remote_id,
                        thread_scope = @thread_scope, lease_until = NULL
      WHERE seq = @seq`);
    this.retryLaterStmt = db.prepare(`
      UPDATE outbox SET state = 'queued', next_attempt_at = @next, last_status = @status, last_error = @error, lease_until = NULL
      WHERE seq = @seq`);
    this.failedStmt = db.prepare(`
      UPDATE outbox SET state = 'failed', failed_at = @now, last_status = coalesce(@status, last_status),
                        last_error = @error, lease_until = NULL
      WHERE seq = @seq`);
    this.releaseStmt = db.prepare(`UPDATE outbox SET state = 'queued', lease_until = NULL WHERE state = 'sending'`);
    this.threadStmt = db.prepare(`
      SELECT remote_id FROM outbox
      WHERE channel_id = @channel_id AND incident_id = @incident_id AND state = 'sent' AND remote_id IS NOT NULL
        AND (thread_scope = @scope OR thread_scope IS NULL)
      ORDER BY sent_at DESC, seq DESC LIMIT 1`);
    this.listStmt = db.prepare('SELECT * FROM outbox WHERE channel_id = ? ORDER BY seq DESC LIMIT ?');
    this.getStmt = db.prepare('SELECT * FROM outbox WHERE seq = ?');
    this.requeueStmt = db.prepare(`
      UPDATE outbox SET state = 'queued', next_attempt_at = @now, deadline_at = @deadline_at, failed_at = NULL, attempts = 0
      WHERE seq = @seq AND state = 'failed'`);
    this.countsStmt = db.prepare('SELECT channel_id, state, count(*) AS n FROM outbox GROUP BY channel_id, state');
    this.lastAttemptStmt = db.prepare('SELECT max(last_attempt_at) AS at FROM outbox WHERE channel_id = ?');
  }

  /** Writes a row unless it repeats one (same event, or same content within `dedupeWindowMs`); returns whether it did. */
  insert(row: NewOutboxRow, dedupeWindowMs: number): boolean {
    const result = this.insertStmt.run({
      event_id: row.eventId,
      channel_id: row.channelId,
      kind: row.kind,
      incident_id: row.incidentId,
      component_id: row.componentId,
      content_key: row.contentKey,
      is_test: row.isTest ? 1 : 0,
      announcement: JSON.stringify(row.announcement),
      queued_at: row.queuedAt,
      deadline_at: row.deadlineAt,
      since: row.queuedAt - dedupeWindowMs,
    });
    return result.changes > 0;
  }

  /** Each channel's oldest unfinished row (queued, or sending): the only row of that channel that may go out next. */
  heads(): OutboxRow[] {
    return (this.headsStmt.all() as Row[]).map(toRow);
  }

  /**
   * Takes a row for delivery until `leaseUntil` and counts the attempt. False when another claim got
   * it first or it is held by a live lease.
   */
  claim(seq: number, now: number, leaseUntil: number): boolean {
    return this.claimStmt.run({ seq, now, lease_until: leaseUntil }).changes > 0;
  }

  markSent(seq: number, now: number, status: number, remoteId: string | null, threadScope: string | null = null): void {
    this.sentStmt.run({ seq, now, status, remote_id: remoteId, thread_scope: threadScope });
  }

  retryLater(seq: number, next: number, status: number | null, error: string): void {
    this.retryLaterStmt.run({ seq, next, status, error });
  }

  markFailed(seq: number, now: number, status: number | null, error: string): void {
    this.failedStmt.run({ seq, now, status, error });
  }

  /**
   * At start, rows left 'sending' belong to a process that died mid-delivery (one process per
   * database): they go back to the queue and are sent again. At least once, never zero times.
   */
  releaseAbandoned(): number {
    return this.releaseStmt.run().changes;
  }

  /**
   * Housekeeping: rows sent or failed before `before` go, at most `limit` at a time (each keeps the
   * whole incident as announced, so the table would otherwise grow with every update, forever).
   * Returns how many went.
   */
  prune(before: number, limit: number): number {
    this.pruneStmt ??= this.db.prepare(`
      DELETE FROM outbox WHERE seq IN (
        SELECT seq FROM outbox WHERE state IN ('sent', 'failed') AND coalesce(sent_at, failed_at, queued_at) < @before LIMIT @limit)`);
    return this.pruneStmt.run({ before, limit }).changes;
  }

  /**
   * What became of an incident update's announcement: one row per channel that took it, in the
   * order queued. An update's events are named `<kind>:<update id>` (announce/capture.ts).
   */
  forUpdate(updateId: string): { channelId: string; state: OutboxState }[] {
    this.forUpdateStmt ??= this.db.prepare(`
      SELECT channel_id, state FROM outbox WHERE event_id IN (SELECT value || ':' || @id FROM json_each(@kinds)) ORDER BY seq`);
    const rows = this.forUpdateStmt.all({ id: updateId, kinds: JSON.stringify(EVENT_KINDS) }) as { channel_id: string; state: OutboxState }[];
    return rows.map((r) => ({ channelId: r.channel_id, state: r.state }));
  }

  /**
   * Rows still waiting to announce an incident that was deleted would link to a page that is gone:
   * they fail, with the reason. One already being sent is left to finish.
   */
  failForDeletedIncident(incidentId: string, now: number): number {
    this.deletedStmt ??= this.db.prepare(`
      UPDATE outbox SET state = 'failed', failed_at = @now,
                        last_error = 'the incident was deleted before this could be sent'
      WHERE state = 'queued' AND incident_id = @incident_id`);
    return this.deletedStmt.run({ now, incident_id: incidentId }).changes;
  }

  /**
   * Rows waiting for a channel no longer in outpost.yaml can never go out: they fail, visibly and
   * with the reason, instead of waiting forever (or reaching whatever later takes the channel's id).
   */
  failOrphans(channelIds: string[], now: number): number {
    this.orphansStmt ??= this.db.prepare(`
      UPDATE outbox SET state = 'failed', failed_at = @now, lease_until = NULL,
                        last_error = 'the channel was removed from outpost.yaml before this could be sent'
      WHERE state IN ('queued', 'sending') AND channel_id NOT IN (SELECT value FROM json_each(@ids))`);
    return this.orphansStmt.run({ now, ids: JSON.stringify(channelIds) }).changes;
  }

  /**
   * Remote id of this channel's latest delivered post about the incident, sent to the same
   * destination (`scope`, see migration 010): later posts reply to it.
   */
  threadOf(channelId: string, scope: string, incidentId: string): string | undefined {
    return (this.threadStmt.get({ channel_id: channelId, incident_id: incidentId, scope }) as { remote_id: string } | undefined)?.remote_id;
  }

  /** A channel's delivery log, newest first. */
  list(channelId: string, limit = 100): OutboxRow[] {
    return (this.listStmt.all(channelId, limit) as Row[]).map(toRow);
  }

  get(seq: number): OutboxRow | undefined {
    const row = this.getStmt.get(seq) as Row | undefined;
    return row && toRow(row);
  }

  /** An operator's manual retry of a failed row: queued again with a fresh deadline. False unless it had failed. */
  requeue(seq: number, now: number, deadlineAt: number): boolean {
    return this.requeueStmt.run({ seq, now, deadline_at: deadlineAt }).changes > 0;
  }

  /** Rows per state per channel, for the admin's overview. */
  counts(): Map<string, ChannelCounts> {
    const out = new Map<string, ChannelCounts>();
    for (const r of this.countsStmt.all() as { channel_id: string; state: OutboxState; n: number }[]) {
      let counts = out.get(r.channel_id);
      if (!counts) out.set(r.channel_id, (counts = { queued: 0, sending: 0, sent: 0, failed: 0 }));
      counts[r.state] = r.n;
    }
    return out;
  }

  /** When this channel last tried a delivery: its rate limit carries over a restart. */
  lastAttemptAt(channelId: string): number | undefined {
    return (this.lastAttemptStmt.get(channelId) as { at: number | null }).at ?? undefined;
  }
}

function toRow(r: Row): OutboxRow {
  return {
    seq: r.seq,
    eventId: r.event_id,
    channelId: r.channel_id,
    kind: r.kind,
    incidentId: r.incident_id,
    componentId: r.component_id,
    isTest: r.is_test === 1,
    announcement: JSON.parse(r.announcement) as Announcement,
    state: r.state,
    attempts: r.attempts,
    queuedAt: r.queued_at,
    deadlineAt: r.deadline_at,
    nextAttemptAt: r.next_attempt_at,
    leaseUntil: r.lease_until,
    lastAttemptAt: r.last_attempt_at,
    lastStatus: r.last_status,
    lastError: r.last_error,
    remoteId: r.remote_id,
    sentAt: r.sent_at,
    failedAt: r.failed_at,
  };
}
