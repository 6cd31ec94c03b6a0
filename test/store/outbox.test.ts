import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Announcement } from '../../src/announce/types.js';
import { migrate } from '../../src/db/migrate.js';
import { openDatabase, type Db } from '../../src/db/open.js';
import { OutboxStore, type NewOutboxRow } from '../../src/store/outbox.js';

let dir: string;
let db: Db;
let outbox: OutboxStore;
const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);
const WINDOW = 5 * 60_000;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'outpost-outbox-'));
  db = openDatabase(join(dir, 'outpost.db'));
  migrate(db);
  outbox = new OutboxStore(db);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const announcement = (eventId: string): Announcement => ({
  eventId,
  kind: 'incident.updated',
  at: T0,
  page: { id: 'acme', name: 'Acme', url: 'https://status.acme.example', timeZone: 'Etc/UTC', indicator: 'minor', description: 'Minor Service Outage' },
});
const row = (eventId: string, over: Partial<NewOutboxRow> = {}): NewOutboxRow => ({
  eventId,
  channelId: 'ops',
  kind: 'incident.updated',
  incidentId: 'inc1',
  componentId: null,
  contentKey: null,
  isTest: false,
  announcement: announcement(eventId),
  queuedAt: T0,
  deadlineAt: T0 + 3_600_000,
  ...over,
});

describe('OutboxStore', () => {
  it('keeps one row per (event, channel): the same event enqueued twice is one row, another channel gets its own', () => {
    expect(outbox.insert(row('e1'), WINDOW)).toBe(true);
    expect(outbox.insert(row('e1'), WINDOW)).toBe(false);
    expect(outbox.insert(row('e1', { channelId: 'chat' }), WINDOW)).toBe(true);
    expect(outbox.list('ops')).toHaveLength(1);
    expect(outbox.list('chat')).toHaveLength(1);
    // The schema itself refuses a second row, whatever the code does.
    expect(() => db.prepare(`INSERT INTO outbox (event_id, channel_id, kind, announcement, queued_at, deadline_at, next_attempt_at)
      VALUES ('e1', 'ops', 'incident.updated', '{}', 0, 0, 0)`).run()).toThrow(/UNIQUE/);
  });

  it('drops the same content on the same channel within the window, and keeps it after the window', () => {
    expect(outbox.insert(row('e1', { contentKey: 'k' }), WINDOW)).toBe(true);
    expect(outbox.insert(row('e2', { contentKey: 'k', queuedAt: T0 + WINDOW - 1 }), WINDOW)).toBe(false);
    expect(outbox.insert(row('e3', { contentKey: 'k', channelId: 'chat' }), WINDOW)).toBe(true);
    expect(outbox.insert(row('e4', { contentKey: 'other' }), WINDOW)).toBe(true);
    expect(outbox.insert(row('e5', { contentKey: 'k', queuedAt: T0 + WINDOW }), WINDOW)).toBe(true);
    expect(outbox.list('ops').map((r) => r.eventId)).toEqual(['e5', 'e4', 'e1']);
  });

  it('prunes rows sent or failed before a time, in slices, and never a row still to be sent', () => {
    for (const id of ['sent-old', 'failed-old', 'queued-old', 'sent-new']) outbox.insert(row(id), WINDOW);
    const seq = (id: string) => outbox.list('ops').find((r) => r.eventId === id)!.seq;
    outbox.markSent(seq('sent-old'), T0 + 1_000, 200, null);
    outbox.markFailed(seq('failed-old'), T0 + 2_000, 500, 'down');
    outbox.markSent(seq('sent-new'), T0 + 10_000, 200, null);
    expect(outbox.prune(T0 + 5_000, 1)).toBe(1);
    expect(outbox.prune(T0 + 5_000, 1)).toBe(1);
    expect(outbox.prune(T0 + 5_000, 1)).toBe(0);
    expect(outbox.list('ops').map((r) => r.eventId).sort()).toEqual(['queued-old', 'sent-new']);
  });

  it('stores the announcement as captured and reads it back whole', () => {
    outbox.insert(row('e1'), WINDOW);
    const [stored] = outbox.list('ops');
    expect(stored).toMatchObject({ eventId: 'e1', channelId: 'ops', state: 'queued', attempts: 0, nextAttemptAt: T0, deadlineAt: T0 + 3_600_000, isTest: false });
    expect(stored!.announcement).toEqual(announcement('e1'));
  });

  it('gives each channel one head, its oldest unfinished row, in seq order', () => {
    outbox.insert(row('a1'), WINDOW);
    outbox.insert(row('b1', { channelId: 'chat' }), WINDOW);
    outbox.insert(row('a2'), WINDOW);
    expect(outbox.heads().map((r) => r.eventId)).toEqual(['a1', 'b1']);
    const a1 = outbox.list('ops').at(-1)!;
    outbox.markSent(a1.seq, T0 + 1, 200, null);
    expect(outbox.heads().map((r) => r.eventId)).toEqual(['b1', 'a2']);
  });

  it('claims a row once, with a lease; an expired lease can be claimed again; a restart releases it', () => {
    outbox.insert(row('e1'), WINDOW);
    const seq = outbox.heads()[0]!.seq;
    expect(outbox.claim(seq, T0, T0 + 1000)).toBe(true);
    expect(outbox.claim(seq, T0 + 999, T0 + 2000)).toBe(false);
    expect(outbox.get(seq)).toMatchObject({ state: 'sending', attempts: 1, leaseUntil: T0 + 1000, lastAttemptAt: T0 });
    // The head stays the sending row: the next one waits behind it.
    outbox.insert(row('e2'), WINDOW);
    expect(outbox.heads().map((r) => r.eventId)).toEqual(['e1']);
    expect(outbox.claim(seq, T0 + 1000, T0 + 3000)).toBe(true);
    expect(outbox.get(seq)!.attempts).toBe(2);
    expect(outbox.releaseAbandoned()).toBe(1);
    expect(outbox.get(seq)).toMatchObject({ state: 'queued', leaseUntil: null, attempts: 2 });
  });

  it('records a retry, a failure, a success; requeues only a failed row', () => {
    outbox.insert(row('e1'), WINDOW);
    const seq = outbox.heads()[0]!.seq;
    outbox.claim(seq, T0, T0 + 1000);
    outbox.retryLater(seq, T0 + 5000, 503, 'HTTP 503');
    expect(outbox.get(seq)).toMatchObject({ state: 'queued', nextAttemptAt: T0 + 5000, lastStatus: 503, lastError: 'HTTP 503', leaseUntil: null });
    expect(outbox.requeue(seq, T0, T0 + 1)).toBe(false);
    outbox.claim(seq, T0 + 5000, T0 + 6000);
    outbox.markFailed(seq, T0 + 5100, 404, 'HTTP 404');
    expect(outbox.get(seq)).toMatchObject({ state: 'failed', failedAt: T0 + 5100, lastStatus: 404, lastError: 'HTTP 404' });
    expect(outbox.heads()).toEqual([]);
    expect(outbox.requeue(seq, T0 + 9000, T0 + 99_000)).toBe(true);
    expect(outbox.get(seq)).toMatchObject({ state: 'queued', nextAttemptAt: T0 + 9000, deadlineAt: T0 + 99_000, failedAt: null, attempts: 0 }); // a manual retry starts its backoff afresh
    outbox.claim(seq, T0 + 9000, T0 + 10_000);
    outbox.markSent(seq, T0 + 9100, 201, 'remote-1');
    expect(outbox.get(seq)).toMatchObject({ state: 'sent', sentAt: T0 + 9100, lastStatus: 201, lastError: null, remoteId: 'remote-1' });
    expect(outbox.counts().get('ops')).toEqual({ queued: 0, sending: 0, sent: 1, failed: 0 });
    expect(outbox.lastAttemptAt('ops')).toBe(T0 + 9000);
    expect(outbox.lastAttemptAt('nobody')).toBeUndefined();
  });

  it('threads: the latest sent post of the same channel, destination and incident', () => {
    const send = (eventId: string, over: Partial<NewOutboxRow>, remote: string | null, at: number, scope: string | null = 'x:') => {
      outbox.insert(row(eventId, over), WINDOW);
      const seq = outbox.list(over.channelId ?? 'ops')[0]!.seq;
      outbox.claim(seq, at, at + 1);
      outbox.markSent(seq, at, 200, remote, scope);
    };
    expect(outbox.threadOf('ops', 'x:', 'inc1')).toBeUndefined();
    send('e1', {}, 'tweet-1', T0 + 1);
    send('e2', {}, 'tweet-2', T0 + 2);
    send('e3', {}, null, T0 + 3); // a channel without remote ids does not break the thread
    send('e4', { incidentId: 'inc2' }, 'tweet-9', T0 + 4);
    send('e5', { channelId: 'chat' }, 'toot-1', T0 + 5, 'mastodon:social.example');
    expect(outbox.threadOf('ops', 'x:', 'inc1')).toBe('tweet-2');
    expect(outbox.threadOf('ops', 'x:', 'inc2')).toBe('tweet-9');
    expect(outbox.threadOf('chat', 'mastodon:social.example', 'inc1')).toBe('toot-1');
    // The same channel id, now another type or another instance: a tweet id means nothing there.
    expect(outbox.threadOf('ops', 'mastodon:social.example', 'inc1')).toBeUndefined();
    expect(outbox.threadOf('chat', 'mastodon:other.example', 'inc1')).toBeUndefined();
    // Sent before migration 010 recorded a scope: still threaded within the channel, as before.
    send('e6', { channelId: 'old' }, 'toot-0', T0 + 6, null);
    expect(outbox.threadOf('old', 'mastodon:social.example', 'inc1')).toBe('toot-0');
  });

  it('rolls back with the transaction it was written in', () => {
    expect(() =>
      db.transaction(() => {
        outbox.insert(row('e1'), WINDOW);
        throw new Error('the change failed');
      })(),
    ).toThrow('the change failed');
    expect(outbox.heads()).toEqual([]);
  });
});
