import { afterEach, describe, expect, it } from 'vitest';
import { OutboxDispatcher, type DispatchChannel } from '../../src/announce/dispatcher.js';
import { createChannel, type ChannelConfig } from '../../src/announce/registry.js';
import type { Channel, DeliveryContext, DeliveryResult } from '../../src/announce/types.js';
import { IncidentService, SYSTEM } from '../../src/operations/incidents.js';
import { HOUR, MINUTE } from '../../src/util/time.js';
import { ACME_YAML, makeTestApp, type TestApp } from '../helpers/app.js';
import { startReceiver, type Answer, type Receiver } from '../helpers/receiver.js';

const SECRET = 'whsec-0123456789abcdef-test';
const TOKEN = 'path-token-s3cr3t';
let t: TestApp | undefined;
let dispatcher: OutboxDispatcher | undefined;
const receivers: Receiver[] = [];
afterEach(async () => {
  for (const r of receivers.splice(0)) await r.close();
  await dispatcher?.stop();
  await t?.close();
  t = undefined;
  dispatcher = undefined;
});

/** Every log line the dispatcher wrote, as JSON: what an operator would see. */
function collectingLog() {
  const lines: string[] = [];
  const at = (level: string) => (obj: object, msg: string) => lines.push(JSON.stringify({ level, ...obj, msg }));
  return { lines, log: { info: at('info'), warn: at('warn'), error: at('error') } };
}

/**
 * The app with channels pointing at receivers (channels' YAML is given as fields), and a dispatcher
 * of the test's own over the same outbox, with a fixed jitter.
 */
async function setup(channels: { id: string; answers?: Answer[]; yaml?: string; receiver?: false }[], opts: { concurrency?: number; random?: number } = {}) {
  const mine: Receiver[] = [];
  for (const c of channels) {
    if (c.receiver !== false) mine.push(await startReceiver(c.answers ?? [{ status: 204 }]));
  }
  receivers.push(...mine);
  let r = 0;
  const yaml = channels
    .map((c) => {
      const url = c.receiver === false ? 'http://127.0.0.1:9/' : `${mine[r++]!.url}/hook/${TOKEN}`;
      return `  - { id: ${c.id}, type: webhook, url: "${url}", secret: ${SECRET}${c.yaml ? `, ${c.yaml}` : ''} }`;
    })
    .join('\n');
  t = await makeTestApp({ yaml: `${ACME_YAML}\nannounce:\n${yaml}\n` });
  const collected = collectingLog();
  const dispatchChannels: DispatchChannel[] = t.config.announce.map((config: ChannelConfig) => ({ channel: createChannel(config, { page: t!.config.page }), config }));
  dispatcher = new OutboxDispatcher({
    outbox: t.app.store.outbox,
    channels: dispatchChannels,
    clock: t.clock.now,
    log: collected.log,
    random: () => opts.random ?? 0.5,
    concurrency: opts.concurrency,
  });
  const service = new IncidentService(t.app.store, t.clock.now);
  return { t, dispatcher, service, log: collected.lines, receivers: mine };
}

const openIncident = (service: IncidentService, name = 'API errors') => service.create({ name, status: 'investigating', body: `${name}: looking into it.` }, SYSTEM);

describe('dispatcher: failures and retries', () => {
  it('retries a 500 with exponential backoff and jitter, then delivers', async () => {
    const { t, dispatcher, service, receivers } = await setup([{ id: 'ops', answers: [{ status: 500 }, { status: 502 }, { status: 204 }] }]);
    openIncident(service);
    const seq = t.app.store.outbox.list('ops')[0]!.seq;
    expect(await dispatcher.runOnce()).toBe(1);
    // attempt 1: 10 s base, jitter 0.5 → 7.5 s
    expect(t.app.store.outbox.get(seq)).toMatchObject({ state: 'queued', attempts: 1, lastStatus: 500, lastError: 'HTTP 500', nextAttemptAt: t.clock.ms + 7_500 });
    t.clock.advance(7_499);
    expect(await dispatcher.runOnce()).toBe(0);
    t.clock.advance(1);
    expect(await dispatcher.runOnce()).toBe(1);
    // attempt 2: 20 s → 15 s
    expect(t.app.store.outbox.get(seq)).toMatchObject({ state: 'queued', attempts: 2, lastStatus: 502, nextAttemptAt: t.clock.ms + 15_000 });
    t.clock.advance(15_000);
    expect(await dispatcher.runOnce()).toBe(1);
    expect(t.app.store.outbox.get(seq)).toMatchObject({ state: 'sent', attempts: 3, lastStatus: 204, lastError: null });
    expect(receivers[0]!.received).toHaveLength(3);
    // The same delivery id every time, so the receiver can tell a retry from a new event.
    expect(new Set(receivers[0]!.received.map((r) => r.headers['x-outpost-delivery'])).size).toBe(1);
  });

  it('honours 429 with Retry-After in seconds, and as an HTTP date', async () => {
    const later = new Date(Date.UTC(2026, 10, 22, 12, 5, 0)).toUTCString();
    const { t, dispatcher, service } = await setup([
      { id: 'ops', answers: [{ status: 429, headers: { 'retry-after': '120' } }, { status: 503, headers: { 'retry-after': later } }, { status: 200 }] },
    ]);
    openIncident(service);
    const seq = t.app.store.outbox.list('ops')[0]!.seq;
    await dispatcher.runOnce();
    expect(t.app.store.outbox.get(seq)).toMatchObject({ state: 'queued', lastStatus: 429, nextAttemptAt: t.clock.ms + 120_000 });
    t.clock.advance(119_999);
    expect(await dispatcher.runOnce()).toBe(0);
    t.clock.advance(1);
    expect(await dispatcher.runOnce()).toBe(1);
    expect(t.app.store.outbox.get(seq)).toMatchObject({ state: 'queued', lastStatus: 503, nextAttemptAt: Date.UTC(2026, 10, 22, 12, 5, 0) });
    t.clock.ms = Date.UTC(2026, 10, 22, 12, 5, 0);
    expect(await dispatcher.runOnce()).toBe(1);
    expect(t.app.store.outbox.get(seq)!.state).toBe('sent');
  });

  it('retries a receiver that does not answer within the channel timeout', async () => {
    const { t, dispatcher, service, receivers } = await setup([{ id: 'ops', answers: ['hang', { status: 204 }], yaml: 'timeout: 500ms' }]);
    openIncident(service);
    const seq = t.app.store.outbox.list('ops')[0]!.seq;
    const started = performance.now();
    await dispatcher.runOnce();
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(t.app.store.outbox.get(seq)).toMatchObject({ state: 'queued', attempts: 1, lastStatus: null, lastError: 'timed out' });
    t.clock.advance(10_000);
    await dispatcher.runOnce();
    expect(t.app.store.outbox.get(seq)!.state).toBe('sent');
    expect(receivers[0]!.received).toHaveLength(2);
  });

  it('retries a receiver that is down (connection refused)', async () => {
    const { t, dispatcher, service } = await setup([{ id: 'ops', receiver: false }]);
    openIncident(service);
    await dispatcher.runOnce();
    expect(t.app.store.outbox.list('ops')[0]).toMatchObject({ state: 'queued', attempts: 1, lastError: 'connection failed: ECONNREFUSED' });
  });

  it('fails a permanent error at once, and the channel moves on to its next row', async () => {
    const { t, dispatcher, service, receivers } = await setup([{ id: 'ops', answers: [{ status: 404 }, { status: 204 }], yaml: 'rate_per_minute: 6000' }]);
    openIncident(service, 'First');
    openIncident(service, 'Second');
    const [second, first] = t.app.store.outbox.list('ops');
    await dispatcher.runOnce();
    expect(t.app.store.outbox.get(first!.seq)).toMatchObject({ state: 'failed', attempts: 1, lastStatus: 404, lastError: 'HTTP 404', failedAt: t.clock.ms });
    t.clock.advance(10);
    await dispatcher.runOnce();
    expect(t.app.store.outbox.get(second!.seq)!.state).toBe('sent');
    expect(receivers[0]!.received.map((r) => JSON.parse(r.body).incident.name)).toEqual(['First', 'Second']);
  });

  it('gives up at the deadline with the last error; rows waiting behind past their deadline fail too', async () => {
    const { t, dispatcher, service, receivers } = await setup([{ id: 'ops', answers: [{ status: 503 }], yaml: 'deadline: 1m, rate_per_minute: 6000' }]);
    openIncident(service, 'First');
    t.clock.advance(30_000);
    openIncident(service, 'Second');
    const [second, first] = t.app.store.outbox.list('ops');
    for (let i = 0; i < 20 && t.app.store.outbox.get(first!.seq)!.state !== 'failed'; i++) {
      await dispatcher.runOnce();
      t.clock.advance(5_000);
    }
    const failed = t.app.store.outbox.get(first!.seq)!;
    expect(failed).toMatchObject({ state: 'failed', lastStatus: 503 });
    expect(failed.lastError).toBe('HTTP 503; gave up: the next attempt would be after the deadline');
    expect(failed.failedAt! - failed.queuedAt).toBeLessThanOrEqual(60_000);
    const attempts = receivers[0]!.received.length;
    expect(attempts).toBe(failed.attempts);
    // The second row was queued 30 s later: by now it has had its own tries, then its own deadline.
    for (let i = 0; i < 20 && t.app.store.outbox.get(second!.seq)!.state !== 'failed'; i++) {
      await dispatcher.runOnce();
      t.clock.advance(5_000);
    }
    expect(t.app.store.outbox.get(second!.seq)!.state).toBe('failed');
  });

  it('a channel that throws is retried, and what it threw is not recorded', async () => {
    const { t, service } = await setup([{ id: 'ops', receiver: false }]);
    const thrower: Channel = { id: 'ops', type: 'webhook', deliver: async () => { throw new Error(`could not reach https://hooks.example/${TOKEN}`); } };
    const { lines, log } = collectingLog();
    dispatcher = new OutboxDispatcher({ outbox: t.app.store.outbox, channels: [{ channel: thrower, config: t.config.announce[0]! }], clock: t.clock.now, log });
    openIncident(service);
    await dispatcher.runOnce();
    expect(t.app.store.outbox.list('ops')[0]).toMatchObject({ state: 'queued', lastError: 'internal error (Error)' });
    expect(lines.join('\n')).not.toContain(TOKEN);
    expect(lines.join('\n')).toContain('channel threw');
  });
});

describe('dispatcher: order, rate and concurrency', () => {
  it('keeps a channel in event order: the next row waits while the one before is retried', async () => {
    const { t, dispatcher, service, receivers } = await setup([{ id: 'ops', answers: [{ status: 500 }, { status: 204 }], yaml: 'rate_per_minute: 6000' }]);
    openIncident(service, 'First');
    openIncident(service, 'Second');
    await dispatcher.runOnce();
    t.clock.advance(1_000);
    expect(await dispatcher.runOnce()).toBe(0); // First waits for its retry; Second waits behind it
    t.clock.advance(10_000);
    await dispatcher.runOnce();
    t.clock.advance(10);
    await dispatcher.runOnce();
    expect(receivers[0]!.received.map((r) => JSON.parse(r.body).incident.name)).toEqual(['First', 'First', 'Second']);
  });

  it('delivers a burst of 200 updates, all of them, in order per channel, within each channel\'s rate', async () => {
    const { t, dispatcher, service, receivers } = await setup(
      [
        { id: 'fast', yaml: 'rate_per_minute: 6000' },
        { id: 'slow', yaml: 'rate_per_minute: 1200' },
      ],
      { concurrency: 2 },
    );
    const { id } = openIncident(service, 'Burst');
    for (let i = 1; i <= 199; i++) service.update(id, { status: 'investigating', body: `Update ${i}` }, SYSTEM);
    const expected = ['Burst: looking into it.', ...Array.from({ length: 199 }, (_, i) => `Update ${i + 1}`)];
    for (let i = 0; i < 5_000 && dispatcher.pending() > 0; i++) {
      await dispatcher.runOnce();
      t.clock.advance(10);
    }
    expect(dispatcher.pending()).toBe(0);
    for (const [index, channel, spacing] of [[0, 'fast', 10], [1, 'slow', 50]] as const) {
      const bodies = receivers[index]!.received.map((r) => JSON.parse(r.body).incident.incident_updates[0].body);
      expect(bodies).toEqual(expected);
      const rows = t.app.store.outbox.list(channel, 1000).reverse();
      expect(rows.every((r) => r.state === 'sent' && r.attempts === 1)).toBe(true);
      const starts = rows.map((r) => r.lastAttemptAt!);
      const gaps = starts.slice(1).map((s, i) => s - starts[i]!);
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(spacing);
      // Never more than the rate in any minute.
      for (let i = 0; i < starts.length; i++) expect(starts.filter((s) => s >= starts[i]! && s < starts[i]! + MINUTE).length).toBeLessThanOrEqual(60_000 / spacing);
    }
  });

  it('runs at most `concurrency` deliveries at once, across channels', async () => {
    const { dispatcher, service, receivers } = await setup([{ id: 'a' }, { id: 'b' }, { id: 'c' }], { concurrency: 2 });
    openIncident(service);
    expect(await dispatcher.runOnce()).toBe(2);
    expect(await dispatcher.runOnce()).toBe(1);
    expect(receivers.map((r) => r.received.length)).toEqual([1, 1, 1]);
  });
});

describe('dispatcher: found in review', () => {
  it('does not spin while every delivery slot is taken by a receiver that hangs', async () => {
    const { t, service } = await setup(
      [1, 2, 3].map((i) => ({ id: `c${i}`, answers: ['hang' as const], yaml: 'timeout: 60s' })),
      { concurrency: 2 },
    );
    openIncident(service);
    const heads = t.app.store.outbox.heads.bind(t.app.store.outbox);
    let reads = 0;
    t.app.store.outbox.heads = () => {
      reads++;
      return heads();
    };
    dispatcher!.start();
    await new Promise((r) => setTimeout(r, 300));
    // Two slots busy for 60 s and a third channel due: a few reads, not one per millisecond.
    expect(reads).toBeLessThan(10);
  });

  it('fails, at start and with the reason, the rows of a channel removed from outpost.yaml', async () => {
    const { t, service } = await setup([{ id: 'ops' }]);
    openIncident(service);
    const seq = t.app.store.outbox.list('ops')[0]!.seq;
    const { lines, log } = collectingLog();
    // The next start knows no channel called "ops".
    dispatcher = new OutboxDispatcher({ outbox: t.app.store.outbox, channels: [], clock: t.clock.now, log });
    dispatcher.start();
    expect(t.app.store.outbox.get(seq)).toMatchObject({ state: 'failed', lastError: 'the channel was removed from outpost.yaml before this could be sent' });
    expect(lines.join('\n')).toContain('channels removed from outpost.yaml');
  });

  it('announces a flapping component\'s second outage, and each relapse to major outage: automation does not double-click', async () => {
    const { t } = await setup([{ id: 'ops' }]);
    const { AutoIncidents } = await import('../../src/monitoring/auto-incidents.js');
    const auto = new AutoIncidents(t.app.store, new IncidentService(t.app.store, t.clock.now), { modeFor: () => 'publish', recovery: 'resolved' });
    const change = (to: 'operational' | 'partial_outage' | 'major_outage') => {
      auto.statusChanged(t.app.store.components.get('api')!, to, [{ layer: 'connect', code: 'ECONNREFUSED' }]);
      t.app.store.components.setAutomated('api', to, 'probes', t.clock.advance(30_000));
    };
    change('major_outage');
    change('operational');
    change('major_outage');
    change('partial_outage');
    change('major_outage');
    expect(t.app.store.outbox.list('ops').map((r) => r.kind).reverse()).toEqual([
      'incident.created',
      'incident.resolved',
      'incident.created',
      'incident.updated',
      'incident.updated',
    ]);
  });

  it('a person may post the same words again after their delivery failed', async () => {
    const { t, dispatcher, receivers } = await setup([{ id: 'ops', answers: [{ status: 404 }, { status: 204 }] }]);
    const person = { kind: 'operator' as const, id: 'op1', name: 'ada@acme.example' };
    const service = new IncidentService(t.app.store, t.clock.now);
    const first = service.create({ name: 'API errors', status: 'investigating', body: 'Looking.' }, person);
    expect(await dispatcher.runOnce()).toBe(1);
    expect(t.app.store.outbox.list('ops')[0]).toMatchObject({ state: 'failed' });
    service.delete(first.id, person);
    t.clock.advance(MINUTE);
    service.create({ name: 'API errors', status: 'investigating', body: 'Looking.' }, person);
    expect(await dispatcher.runOnce()).toBe(1);
    expect(receivers[0]!.received).toHaveLength(2);
  });
});

describe('dispatcher: threading, leases, shutdown, logs', () => {
  it('passes the remote id of the channel\'s latest post about the same incident, and the same idempotency key on every try', async () => {
    const { t, service } = await setup([{ id: 'ops', receiver: false, yaml: 'rate_per_minute: 6000' }]);
    const seen: { replyTo?: string; key: string }[] = [];
    let n = 0;
    const poster: Channel = {
      id: 'ops',
      type: 'webhook',
      deliver: async (_a, ctx: DeliveryContext): Promise<DeliveryResult> => {
        seen.push({ replyTo: ctx.replyTo, key: ctx.idempotencyKey });
        n++;
        return n === 2 ? { ok: false, retryable: true, error: 'HTTP 503', status: 503 } : { ok: true, status: 200, remoteId: `post-${n}` };
      },
    };
    dispatcher = new OutboxDispatcher({ outbox: t.app.store.outbox, channels: [{ channel: poster, config: t.config.announce[0]! }], clock: t.clock.now, log: collectingLog().log });
    const { id } = openIncident(service, 'Threaded');
    service.update(id, { status: 'identified', body: 'Found.' }, SYSTEM);
    openIncident(service, 'Unrelated');
    service.update(id, { status: 'resolved', body: 'Fixed.' }, SYSTEM);
    for (let i = 0; i < 50 && dispatcher.pending() > 0; i++) {
      await dispatcher.runOnce();
      t.clock.advance(HOUR);
    }
    expect(seen.map((s) => s.replyTo)).toEqual([undefined, 'post-1', 'post-1', undefined, 'post-3']);
    expect(seen[1]!.key).toBe(seen[2]!.key);
    expect(seen[1]!.key).toMatch(/^ops:incident\.updated:/);
  });

  it('does not reply to a post made under the same channel id by another type (or destination)', async () => {
    const { t, service } = await setup([{ id: 'ops', receiver: false, yaml: 'rate_per_minute: 6000' }]);
    const seen: (string | undefined)[] = [];
    const poster = (type: string): Channel => ({
      id: 'ops',
      type,
      deliver: async (_a, ctx: DeliveryContext): Promise<DeliveryResult> => {
        seen.push(ctx.replyTo);
        return { ok: true, status: 200, remoteId: `${type}-${seen.length}` };
      },
    });
    const drain = async () => {
      for (let i = 0; i < 20 && dispatcher!.pending() > 0; i++) {
        await dispatcher!.runOnce();
        t.clock.advance(HOUR);
      }
    };
    dispatcher = new OutboxDispatcher({ outbox: t.app.store.outbox, channels: [{ channel: poster('x'), config: t.config.announce[0]! }], clock: t.clock.now, log: collectingLog().log });
    const { id } = openIncident(service, 'Moved channel');
    await drain();
    // outpost.yaml now says `type: mastodon` under the same id: a tweet id means nothing there.
    await dispatcher.stop();
    dispatcher = new OutboxDispatcher({ outbox: t.app.store.outbox, channels: [{ channel: poster('mastodon'), config: t.config.announce[0]! }], clock: t.clock.now, log: collectingLog().log });
    service.update(id, { status: 'identified', body: 'Found.' }, SYSTEM);
    await drain();
    service.update(id, { status: 'monitoring', body: 'Fix deployed.' }, SYSTEM);
    await drain();
    // Moved to another instance: the scope names the destination too.
    await dispatcher.stop();
    dispatcher = new OutboxDispatcher({ outbox: t.app.store.outbox, channels: [{ channel: poster('mastodon'), config: t.config.announce[0]!, threadScope: 'mastodon:other.example' }], clock: t.clock.now, log: collectingLog().log });
    service.update(id, { status: 'resolved', body: 'Fixed.' }, SYSTEM);
    await drain();
    expect(seen).toEqual([undefined, undefined, 'mastodon-2', undefined]);
  });

  it('a row left "sending" by a dead process is taken back at start and delivered', async () => {
    const { t, service, receivers } = await setup([{ id: 'ops' }]);
    openIncident(service);
    const row = t.app.store.outbox.list('ops')[0]!;
    // What a process killed mid-delivery leaves behind: claimed, lease not yet expired.
    t.app.store.outbox.claim(row.seq, t.clock.ms, t.clock.ms + HOUR);
    t.clock.advance(2_000); // the restart takes a while; the channel's rate (30 a minute) counts the cut-off attempt
    const { lines, log } = collectingLog();
    const restarted = new OutboxDispatcher({ outbox: t.app.store.outbox, channels: t.config.announce.map((config) => ({ channel: createChannel(config, { page: t!.config.page }), config })), clock: t.clock.now, log, pollMs: 50 });
    dispatcher = restarted;
    restarted.start();
    for (let i = 0; i < 200 && t.app.store.outbox.get(row.seq)!.state !== 'sent'; i++) await new Promise((r) => setTimeout(r, 10));
    expect(t.app.store.outbox.get(row.seq)).toMatchObject({ state: 'sent', attempts: 2 });
    expect(receivers[0]!.received).toHaveLength(1);
    expect(lines.join('\n')).toContain('cut off by a restart');
  });

  it('wakes when a row is enqueued, without waiting for its timer', async () => {
    const { t, service, receivers } = await setup([{ id: 'ops' }]);
    // The app's own dispatcher, woken by the announcer after the write commits; its poll is 5 s.
    t.app.outbox.start();
    openIncident(service);
    for (let i = 0; i < 200 && receivers[0]!.received.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(receivers[0]!.received).toHaveLength(1);
  });

  it('stops promptly with a delivery in flight; the row stays queued for the next start', async () => {
    const { t, dispatcher, service } = await setup([{ id: 'ops', answers: ['hang'], yaml: 'timeout: 60s' }]);
    openIncident(service);
    const running = dispatcher.runOnce();
    await new Promise((r) => setTimeout(r, 100));
    const started = performance.now();
    await dispatcher.stop();
    await running;
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(t.app.store.outbox.list('ops')[0]).toMatchObject({ state: 'queued', lastError: 'interrupted by shutdown; sent again at the next start' });
  });

  it('logs channel ids and statuses, never the webhook address, its token, or the secret', async () => {
    const { dispatcher, service, log } = await setup([{ id: 'ops', answers: [{ status: 500 }, { status: 204 }] }]);
    openIncident(service);
    await dispatcher.runOnce();
    const text = log.join('\n');
    expect(text).toContain('"channel":"ops"');
    expect(text).toContain('"status":500');
    for (const secret of [TOKEN, SECRET, '127.0.0.1', '/hook/']) expect(text).not.toContain(secret);
  });
});
