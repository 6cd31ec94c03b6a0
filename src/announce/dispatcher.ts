import { Agent, type Dispatcher } from 'undici';
import type { OutboxRow, OutboxStore } from '../store/outbox.js';
import { MINUTE, type Clock } from '../util/time.js';
import type { ChannelBaseConfig } from './channel-base.js';
import type { Channel, DeliveryResult } from './types.js';

export interface DispatchChannel {
  channel: Channel;
  config: ChannelBaseConfig;
  /**
   * Where its posts go, without secrets ("<type>:<target>"): a post only replies to an earlier one
   * sent to the same place (a reused channel id, a Mastodon account moved to another instance).
   * Default: the channel's type.
   */
  threadScope?: string;
}

/** The logger's shape (pino's, Fastify's): objects first, so that fields stay fields. */
export interface DispatchLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface Backoff {
  /** Delay after the first failed attempt; it doubles with each further attempt. */
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { baseMs: 10_000, maxMs: 10 * MINUTE };

export interface OutboxDispatcherOptions {
  outbox: OutboxStore;
  channels: readonly DispatchChannel[];
  clock: Clock;
  log: DispatchLog;
  /** In [0, 1): jitter. Injected so that tests know the delays. */
  random?: () => number;
  /** undici dispatcher the channels send with; default an Agent with connect, header and body timeouts. */
  http?: Dispatcher;
  /** Deliveries in flight at once, across channels (each channel has at most one). */
  concurrency?: number;
  /** The dispatcher looks at the outbox at least this often, besides being woken by writes. */
  pollMs?: number;
  backoff?: Backoff;
}

/** A claimed row is held this much longer than its channel's timeout. */
const LEASE_MARGIN_MS = 30_000;

/**
 * When to try again after a retryable failure.
 *
 *   after attempt n                                              base * 2^(n-1), capped at max, then
 *                                                                 jittered into [half, whole] of it
 *   the receiver said when (Retry-After, X's rate-limit reset)   then, but never before the half
 *
 * Jitter keeps many Outposts (or many rows after an outage) from retrying in step; the floor of half
 * keeps a receiver that is down from being hammered, even one that keeps answering "Retry-After: 1"
 * (a receiver may ask us to wait longer, not to hammer it, and fill our log, faster).
 */
export function retryDelay(attempt: number, retryAfterMs: number | undefined, random: number, backoff: Backoff = DEFAULT_BACKOFF): number {
  const exp = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  if (retryAfterMs !== undefined && retryAfterMs >= 0) return Math.max(Math.ceil(retryAfterMs), Math.round(exp / 2));
  return Math.round(exp / 2 + (random * exp) / 2);
}

/**
 * Delivers outbox rows. Per channel strictly in order: a channel's next row waits until the one before
 * is sent or has failed for good, and starts no sooner than 60 s / rate_per_minute after the last
 * attempt. Across channels, up to `concurrency` deliveries run at once. A row is claimed with a lease
 * before it is sent; one cut off by a crash is taken back at the next start.
 *
 * Tests drive it with runOnce() and an injected clock; the server calls start() and stop().
 */
export class OutboxDispatcher {
  private readonly channels: Map<string, DispatchChannel>;
  private readonly random: () => number;
  private readonly http: Dispatcher;
  private readonly ownsHttp: boolean;
  private readonly concurrency: number;
  private readonly pollMs: number;
  private readonly backoff: Backoff;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly lastAttempt = new Map<string, number>();
  private readonly stopping = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private started = false;

  constructor(private readonly options: OutboxDispatcherOptions) {
    this.channels = new Map(options.channels.map((c) => [c.config.id, c]));
    this.random = options.random ?? Math.random;
    this.ownsHttp = !options.http;
    // Per-request deadlines come from each channel's timeout (an AbortSignal); these bound each phase.
    this.http = options.http ?? new Agent({ connect: { timeout: 10_000 }, headersTimeout: 60_000, bodyTimeout: 60_000, keepAliveTimeout: 10_000 });
    this.concurrency = options.concurrency ?? 4;
    this.pollMs = options.pollMs ?? 5_000;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
  }

  /** Takes back rows a previous process left mid-delivery, then delivers on writes and on a timer. */
  start(): void {
    if (this.started || this.stopping.signal.aborted) return;
    this.started = true;
    const released = this.options.outbox.releaseAbandoned();
    if (released > 0) this.options.log.warn({ rows: released }, 'outbox: announcements cut off by a restart will be sent again');
    const orphaned = this.options.outbox.failOrphans([...this.channels.keys()], this.options.clock());
    if (orphaned > 0) this.options.log.warn({ rows: orphaned }, 'outbox: announcements for channels removed from outpost.yaml marked failed');
    this.wake();
  }

  /** Stops taking rows, interrupts deliveries in flight (they stay queued for the next start), waits for them. */
  async stop(): Promise<void> {
    if (this.stopping.signal.aborted) return;
    this.stopping.abort();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.allSettled([...this.inFlight.values()]);
    if (this.ownsHttp) await this.http.close();
  }

  /** Something was enqueued (after its commit), or a delivery finished: look again now. */
  wake(): void {
    if (!this.started || this.stopping.signal.aborted) return;
    this.schedule(0);
  }

  /** Starts every delivery that is due (up to the concurrency limit) and waits for them; returns how many it started. */
  async runOnce(): Promise<number> {
    const started = this.startDue();
    await Promise.allSettled(started);
    return started.length;
  }

  /** Whether any row is queued or being sent (for tests and shutdown logs). */
  pending(): number {
    return this.options.outbox.heads().length;
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), Math.max(0, delayMs));
    this.timer.unref();
  }

  private tick(): void {
    this.timer = undefined;
    if (this.stopping.signal.aborted) return;
    let wakeIn = this.pollMs;
    try {
      for (const delivery of this.startDue()) void delivery.then(() => this.wake());
      wakeIn = this.nextWakeIn();
    } catch (err) {
      // A read error here must not escape the timer (it would end the process) nor end the wake chain.
      this.options.log.error({ error: errorName(err) }, 'outbox: dispatch failed');
    }
    this.schedule(wakeIn);
  }

  /** Claims and starts each channel's head row that is due. Synchronous up to the sends themselves. */
  private startDue(): Promise<void>[] {
    if (this.stopping.signal.aborted) return [];
    const { outbox, clock } = this.options;
    const now = clock();
    const started: Promise<void>[] = [];
    for (const row of outbox.heads()) {
      if (this.inFlight.size >= this.concurrency) break;
      const entry = this.channels.get(row.channelId);
      // A channel removed from outpost.yaml keeps its rows, untouched, in case it comes back.
      if (!entry || this.inFlight.has(row.channelId)) continue;
      if (row.state === 'sending' && (row.leaseUntil ?? 0) > now) continue;
      if (now >= row.deadlineAt) {
        outbox.markFailed(row.seq, now, null, row.lastError ? `deadline passed; last error: ${row.lastError}` : 'deadline passed before it could be sent');
        this.options.log.warn({ channel: row.channelId, seq: row.seq, kind: row.kind, attempts: row.attempts }, 'outbox: announcement failed: deadline passed');
        continue;
      }
      if (row.nextAttemptAt > now || this.notBefore(row.channelId, entry.config) > now) continue;
      if (!outbox.claim(row.seq, now, now + entry.config.timeout + LEASE_MARGIN_MS)) continue;
      this.lastAttempt.set(row.channelId, now);
      const delivery = this.deliver({ ...row, attempts: row.attempts + 1 }, entry)
        // Only the bookkeeping can throw here (the database went away); the lease brings the row back.
        .catch((err: unknown) => this.options.log.error({ channel: row.channelId, seq: row.seq, error: errorName(err) }, 'outbox: recording a delivery failed'))
        .finally(() => this.inFlight.delete(row.channelId));
      this.inFlight.set(row.channelId, delivery);
      started.push(delivery);
    }
    return started;
  }

  private async deliver(row: OutboxRow, { channel, config, threadScope }: DispatchChannel): Promise<void> {
    const { outbox, clock, log } = this.options;
    const scope = threadScope ?? channel.type;
    const timeout = AbortSignal.timeout(config.timeout);
    const signal = AbortSignal.any([this.stopping.signal, timeout]);
    let result: DeliveryResult;
    try {
      result = await channel.deliver(row.announcement, {
        dispatcher: this.http,
        signal,
        now: clock(),
        idempotencyKey: `${row.channelId}:${row.eventId}`,
        replyTo: row.incidentId ? outbox.threadOf(row.channelId, scope, row.incidentId) : undefined,
      });
    } catch (err) {
      // A channel that throws has a bug; its message might quote a secret, so only the error's name is kept.
      log.error({ channel: row.channelId, seq: row.seq, error: errorName(err) }, 'outbox: channel threw instead of returning a result');
      result = { ok: false, retryable: true, error: `internal error (${errorName(err)})` };
    }
    const now = clock();
    const fields = { channel: row.channelId, seq: row.seq, kind: row.kind, attempt: row.attempts };
    if (this.stopping.signal.aborted && !result.ok) {
      // Shutting down is not the receiver's fault: the row waits for the next start, as it was.
      outbox.retryLater(row.seq, now, null, 'interrupted by shutdown; sent again at the next start');
      return;
    }
    if (result.ok) {
      outbox.markSent(row.seq, now, result.status, result.remoteId ?? null, scope);
      log.info({ ...fields, status: result.status }, 'outbox: announcement sent');
      return;
    }
    const status = result.status ?? null;
    if (!result.retryable) {
      outbox.markFailed(row.seq, now, status, result.error);
      log.warn({ ...fields, status, error: result.error }, 'outbox: announcement failed: the receiver refused it');
      return;
    }
    const next = now + retryDelay(row.attempts, result.retryAfterMs, this.random(), this.backoff);
    if (next >= row.deadlineAt) {
      outbox.markFailed(row.seq, now, status, `${result.error}; gave up: the next attempt would be after the deadline`);
      log.warn({ ...fields, status, error: result.error }, 'outbox: announcement failed: deadline reached');
      return;
    }
    outbox.retryLater(row.seq, next, status, result.error);
    log.warn({ ...fields, status, error: result.error, retryInMs: next - now }, 'outbox: delivery failed, will retry');
  }

  /** A channel's rate limit: the earliest time its next attempt may start. */
  private notBefore(channelId: string, config: ChannelBaseConfig): number {
    let last = this.lastAttempt.get(channelId);
    if (last === undefined) {
      // After a restart the last attempt is in the database: the limit holds across restarts.
      last = this.options.outbox.lastAttemptAt(channelId) ?? -Infinity;
      this.lastAttempt.set(channelId, last);
    }
    return last + Math.ceil(MINUTE / config.rate_per_minute);
  }

  /** How long the timer may sleep: until the earliest head row is due, at most pollMs. */
  private nextWakeIn(): number {
    // Every slot taken: each delivery wakes the loop when it ends. Counting the heads skipped for
    // want of a slot as due would spin the loop every millisecond until then.
    if (this.inFlight.size >= this.concurrency) return this.pollMs;
    const now = this.options.clock();
    let earliest = now + this.pollMs;
    for (const row of this.options.outbox.heads()) {
      const entry = this.channels.get(row.channelId);
      if (!entry || this.inFlight.has(row.channelId)) continue;
      const held = row.state === 'sending' ? (row.leaseUntil ?? now) : now;
      const due = Math.min(row.deadlineAt, Math.max(row.nextAttemptAt, this.notBefore(row.channelId, entry.config), held));
      earliest = Math.min(earliest, due);
    }
    return Math.max(0, earliest - now);
  }
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}
