import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
});
afterEach(() => t.close());

describe('Publisher', () => {
  it('coalesces a burst of writes into at most two rebuilds, never one per write', async () => {
    const before = t.app.publisher.stats.builds;
    const statuses = ['degraded_performance', 'partial_outage', 'major_outage', 'operational'] as const;
    for (let i = 0; i < 40; i++) t.app.store.components.setStatus('website', statuses[i % 4]!, 'test', t.clock.advance(1000));
    await t.app.publisher.idle();
    expect(t.app.publisher.stats.builds - before).toBe(1);
    expect((await t.app.inject('/api/v2/status.json')).json().status.indicator).toBe('none');
  });

  it('joins concurrent rebuild requests: requests arriving during a build share it and the one after', async () => {
    const before = t.app.publisher.stats.builds;
    await Promise.all(Array.from({ length: 25 }, () => t.app.publisher.rebuild()));
    expect(t.app.publisher.stats.builds - before).toBe(2);
  });

  it('keeps serving the last good snapshot when a rebuild fails', async () => {
    const etag = (await t.app.inject('/')).headers.etag;
    // Corrupt what the store reads: a status outside the enum cannot be rendered. The store reads
    // the row again after its next write to it (here its description), as after any write of its own.
    t.db.pragma('ignore_check_constraints = ON');
    t.db.prepare("UPDATE components SET status = 'on_fire' WHERE id = 'website'").run();
    t.app.store.components.setDescription('website', 'The public website', t.clock.advance(1000));
    await t.app.publisher.idle();
    expect(t.app.publisher.stats.failures).toBe(1);
    const res = await t.app.inject('/');
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBe(etag);
  });

  it('serves every request during a rebuild from complete bytes', async () => {
    t.app.store.components.setStatus('api', 'major_outage', 'test', t.clock.advance(1000));
    const during = await Promise.all(Array.from({ length: 20 }, () => t.app.inject('/api/v2/status.json')));
    await t.app.publisher.idle();
    for (const res of during) expect(['none', 'critical']).toContain(res.json().status.indicator);
    expect((await t.app.inject('/api/v2/status.json')).json().status.indicator).toBe('critical');
  });
});

describe('settling the front page', () => {
  it('compresses the front page harder once it has stayed the same for the settle time', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const s = await makeTestApp({ settleMs: 5000 });
    try {
      const brTag = async () => (await s.app.inject({ url: '/', headers: { 'accept-encoding': 'br' } })).headers.etag as string;
      const settles = () => s.app.publisher.stats.settles;
      expect(await brTag()).toMatch(/^W\//);
      await vi.advanceTimersByTimeAsync(4000);
      // A rebuild that leaves the front page as it was (another page changed) does not restart its wait.
      await s.app.publisher.rebuild();
      await vi.advanceTimersByTimeAsync(999);
      expect(settles()).toBe(0);
      await vi.advanceTimersByTimeAsync(1);
      await vi.waitFor(() => expect(settles()).toBe(1));
      expect(await brTag()).toMatch(/^"/);

      // A change is served at once, quickly compressed; another change within the settle time restarts the wait.
      s.app.store.components.setStatus('website', 'major_outage', 'test', s.clock.advance(1000));
      await s.app.publisher.idle();
      expect(await brTag()).toMatch(/^W\//);
      await vi.advanceTimersByTimeAsync(4000);
      s.app.store.components.setStatus('website', 'operational', 'test', s.clock.advance(1000));
      await s.app.publisher.idle();
      await vi.advanceTimersByTimeAsync(4999);
      expect(settles()).toBe(1);
      expect(await brTag()).toMatch(/^W\//);
      await vi.advanceTimersByTimeAsync(1);
      await vi.waitFor(() => expect(settles()).toBe(2));
      expect(await brTag()).toMatch(/^"/);
    } finally {
      await s.close();
      vi.useRealTimers();
    }
  });
});
