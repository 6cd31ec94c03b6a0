import { afterEach, describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../src/probes/types.js';
import { DAY, HOUR, MINUTE, startOfDay } from '../../src/util/time.js';
import { makeTestApp, type TestApp } from '../helpers/app.js';

const YAML = `
page: { id: acme, name: Acme, url: "https://status.acme.example", time_zone: Europe/Zurich }
components:
  - { id: api, name: API, show_latency: true }
probes:
  - { id: api-http, component: api, type: http, url: "https://api.acme.example/", interval: 10m, timeout: 10s, fail_after: 2, recover_after: 2 }
  - { id: api-tcp, component: api, type: tcp, host: api.acme.example, port: 443, interval: 10m, timeout: 10s, fail_after: 2, recover_after: 2 }
`;

let t: TestApp;
afterEach(() => t.close());

const up = (latencyMs: number): ProbeResult => ({ outcome: 'up', ok: true, message: 'ok', latencyMs });
const down: ProbeResult = { outcome: 'down', ok: false, layer: 'connect', code: 'ECONNREFUSED', message: 'refused', latencyMs: null };

describe('90 days through the rollup path, with an injected clock', () => {
  it('keeps hourly rollups, prunes raw results, and turns outages into daily history and bars', async () => {
    const tz = 'Europe/Zurich';
    const start = startOfDay('2026-08-24', tz);
    t = await makeTestApp({ yaml: YAML, now: start });
    const outageStart = startOfDay('2026-09-30', tz) + 10 * HOUR; // both probes refused for 2 hours
    const tcpOnly = startOfDay('2026-10-20', tz) + 14 * HOUR; // one of two probes down for 1 hour: partial
    const end = start + 90 * DAY;
    for (let hour = start; hour < end; hour += HOUR) {
      const batch = [];
      for (let at = hour; at < hour + HOUR; at += 10 * MINUTE) {
        const allDown = at >= outageStart && at < outageStart + 2 * HOUR;
        const tcpDown = at >= tcpOnly && at < tcpOnly + HOUR;
        batch.push({ probeId: 'api-http', at, result: allDown ? down : up(100 + ((at / MINUTE) % 50)) });
        batch.push({ probeId: 'api-tcp', at, result: allDown || tcpDown ? down : up(5) });
      }
      t.clock.ms = hour + HOUR - 1;
      t.app.monitor.handle(batch);
      if (hour % (6 * HOUR) === 0) t.app.store.probes.prune(t.clock.ms, 48 * HOUR, 400 * DAY);
    }
    t.clock.ms = end + 5 * MINUTE;
    t.app.store.probes.finalizeHours(t.clock.ms);
    t.app.store.probes.prune(t.clock.ms, 48 * HOUR, 400 * DAY);

    // Hourly rollups for every hour of 90 days; raw results only for the last 48 hours.
    const rollups = t.db.prepare('SELECT probe_id, count(*) AS n, sum(count) AS results, sum(failures) AS failures FROM probe_hourly GROUP BY probe_id ORDER BY probe_id').all();
    expect(rollups).toEqual([
      { probe_id: 'api-http', n: 90 * 24, results: 90 * 24 * 6, failures: 12 },
      { probe_id: 'api-tcp', n: 90 * 24, results: 90 * 24 * 6, failures: 18 },
    ]);
    expect(t.db.prepare('SELECT count(*) AS n FROM probe_hourly WHERE latency_p95 IS NULL').get()).toEqual({ n: 0 });
    const raw = t.db.prepare('SELECT min(at) AS oldest FROM probe_results').get() as { oldest: number };
    expect(raw.oldest).toBeGreaterThanOrEqual(t.clock.ms - 48 * HOUR);

    // Status changes after the second failing result, back after the second good one.
    const events = t.db.prepare('SELECT to_status, at FROM component_status_events ORDER BY id').all();
    expect(events).toEqual([
      { to_status: 'major_outage', at: outageStart + 10 * MINUTE },
      { to_status: 'operational', at: outageStart + 2 * HOUR + 10 * MINUTE },
      { to_status: 'partial_outage', at: tcpOnly + 10 * MINUTE },
      { to_status: 'operational', at: tcpOnly + HOUR + 10 * MINUTE },
    ]);
    const day = (d: string) => t.db.prepare("SELECT * FROM component_daily_status WHERE component_id = 'api' AND day = ?").get(d) as Record<string, number>;
    expect(day('2026-09-30')).toMatchObject({ major_outage_s: 2 * 3600, partial_outage_s: 0 });
    expect(day('2026-10-20')).toMatchObject({ partial_outage_s: 3600, major_outage_s: 0 });

    await t.app.publisher.rebuild();
    const { components } = (await t.app.inject('/api/v2/components.json')).json();
    // Two hours of major outage, one of partial (weighted 30%), over the time watched.
    const expected = 100 * (1 - (2 * 3600 + 0.3 * 3600) / ((t.clock.ms - start) / 1000));
    expect(components[0].outpost.uptime.last_90_days).toBeCloseTo(expected, 2);
    const html = (await t.app.inject('/')).body;
    expect(html).toMatch(/<li class="u-mo[a-z0-9 ]*" tabindex="0"><span>30 Sept: 91\.66% uptime, worst status major outage, 2 h down<\/span><\/li>/);
    expect(html).toMatch(/<li class="u-po[a-z0-9 ]*" tabindex="0"><span>20 Oct: 98\.75% uptime, worst status partial outage, 18 min down<\/span><\/li>/);
    expect(html).toMatch(/<figure class="latency">/);
  });
});
