import type { Store } from '../store/index.js';
import { DEMO_MARKER } from '../store/demo-data.js';
import type { ComponentStatus } from '../status/types.js';
import { DAY, HOUR, MINUTE } from '../util/time.js';

interface PastOutage {
  component: string;
  status: ComponentStatus;
  start: number;
  end: number;
}

/**
 * Seeds the bundled demo once: 90 days of component history, past incidents with full update trails
 * (one with a postmortem), an active incident whose root cause is a dependency, maintenance in the
 * past and ahead. Everything is marked as demo data. Deterministic but for the clock.
 */
export function seedDemo(store: Store, now: number, timeZone: string): boolean {
  if (store.meta.get(DEMO_MARKER)) return false;
  const ago = (ms: number) => now - ms;
  const incidents = store.incidents;
  const outages: PastOutage[] = [];

  // An old, resolved incident per row: [days ago, hours into the day, minutes long, component, status, name, impact]
  const history: [number, number, number, string, ComponentStatus, string, 'minor' | 'major' | 'critical'][] = [
    [83, 9, 47, 'webhooks', 'partial_outage', 'Delayed webhook deliveries', 'minor'],
    [71, 14, 23, 'website', 'major_outage', 'Website unavailable in some regions', 'major'],
    [58, 3, 95, 'database', 'degraded_performance', 'Slow queries on the primary database', 'minor'],
    [44, 11, 38, 'api', 'partial_outage', 'Elevated API error rates', 'major'],
    [29, 20, 15, 'support', 'major_outage', 'Support portal login failures', 'minor'],
    [17, 7, 62, 'dashboard', 'degraded_performance', 'Dashboard charts loading slowly', 'minor'],
    [9, 16, 31, 'cache', 'partial_outage', 'Cache node replacement caused elevated latency', 'minor'],
  ];
  for (const [days, hour, minutes, component, status, name, impact] of history) {
    const start = ago(days * DAY) - ((ago(days * DAY) % DAY) - hour * HOUR);
    const end = start + minutes * MINUTE;
    outages.push({ component, status, start, end });
    const id = incidents.createIncident({
      name,
      impact,
      componentIds: [component],
      isDemo: true,
      first: { status: 'investigating', body: `We are investigating reports of ${name.toLowerCase()}.`, at: start + 4 * MINUTE, components: { [component]: status } },
    });
    incidents.addUpdate(id, { status: 'identified', body: 'The cause has been identified and a fix is being rolled out.', at: start + Math.round(minutes * 0.5) * MINUTE });
    incidents.addUpdate(id, {
      status: 'resolved',
      body: 'This incident has been resolved. Thank you for your patience.',
      at: end + 5 * MINUTE,
      components: { [component]: 'operational' },
    });
  }

  // The featured resolved incident, three days ago: one DNS provider fails, the other keeps answering.
  const dnsStart = ago(3 * DAY + 5 * HOUR);
  outages.push({ component: 'dns', status: 'partial_outage', start: dnsStart, end: dnsStart + 76 * MINUTE });
  outages.push({ component: 'api', status: 'degraded_performance', start: dnsStart + 10 * MINUTE, end: dnsStart + 50 * MINUTE });
  const dns = incidents.createIncident({
    name: 'DNS resolution failures for some customers',
    impact: 'major',
    componentIds: ['dns', 'api'],
    isDemo: true,
    first: {
      status: 'investigating',
      body: 'Some customers cannot resolve **acme.example**. We are investigating.',
      at: dnsStart + 6 * MINUTE,
      components: { dns: 'partial_outage', api: 'degraded_performance' },
    },
  });
  incidents.addUpdate(dns, {
    status: 'identified',
    body: 'One of our two DNS providers is failing to answer queries from some regions. Our second provider is answering normally; resolvers that retry against it are unaffected. We are lowering that provider\'s share of traffic.',
    at: dnsStart + 21 * MINUTE,
  });
  incidents.addUpdate(dns, {
    status: 'monitoring',
    body: 'Traffic now goes to the healthy provider only. Resolution has recovered everywhere we measure. We are monitoring.',
    at: dnsStart + 52 * MINUTE,
    components: { dns: 'degraded_performance', api: 'operational' },
  });
  incidents.addUpdate(dns, {
    status: 'resolved',
    body: 'The failing provider has fixed its outage and both providers answer normally again.',
    at: dnsStart + 80 * MINUTE,
    components: { dns: 'operational' },
  });
  incidents.setPostmortem(
    dns,
    [
      '## What happened',
      'For 76 minutes one of our two authoritative DNS providers failed to answer for part of its network.',
      '',
      '## Why you were affected',
      'Resolvers that did not retry against our second provider returned errors for `acme.example`.',
      '',
      '## What we are changing',
      '- Lower TTLs on the NS delegation so that we can shift traffic faster.',
      '- Probe each provider separately from outside our network (this page now does).',
    ].join('\n'),
    dnsStart + 2 * DAY,
  );

  // Completed maintenance ten days ago.
  const pastWindow = ago(10 * DAY + 2 * HOUR);
  outages.push({ component: 'database', status: 'under_maintenance', start: pastWindow, end: pastWindow + 45 * MINUTE });
  const past = incidents.createMaintenance({
    name: 'Database version upgrade',
    scheduledFor: pastWindow,
    scheduledUntil: pastWindow + HOUR,
    componentIds: ['database'],
    isDemo: true,
    first: { status: 'scheduled', body: 'We will upgrade the primary database. Writes may pause for up to a minute.', at: pastWindow - 5 * DAY },
  });
  incidents.addUpdate(past, { status: 'in_progress', body: 'Maintenance is in progress.', at: pastWindow, components: { database: 'under_maintenance' } });
  incidents.addUpdate(past, { status: 'completed', body: 'The upgrade is complete.', at: pastWindow + 45 * MINUTE, components: { database: 'operational' } });

  // Upcoming maintenance.
  const nextWindow = ago(-3 * DAY) - (ago(-3 * DAY) % HOUR);
  incidents.createMaintenance({
    name: 'Database failover test',
    scheduledFor: nextWindow,
    scheduledUntil: nextWindow + 2 * HOUR,
    componentIds: ['database', 'api'],
    isDemo: true,
    first: { status: 'scheduled', body: 'We will fail the primary database over to its replica to test our recovery runbook. API writes may be slow for a few minutes.', at: ago(DAY) },
  });

  // The active incident: the cache tier is degraded, and the API, which depends on it, points at it.
  // Its status is set before the history is written so that the history stops where it starts.
  const activeStart = ago(38 * MINUTE);
  store.components.setStatus('cache', 'degraded_performance', 'demo', activeStart);

  // History of every component: operational but for the outages above.
  store.db.transaction(() => {
    for (const c of store.components.list()) {
      if (c.isGroup) continue;
      let cursor = ago(90 * DAY);
      for (const o of outages.filter((x) => x.component === c.id).sort((a, b) => a.start - b.start)) {
        store.history.creditInterval(c.id, 'operational', cursor, o.start, timeZone);
        store.history.creditInterval(c.id, o.status, o.start, o.end, timeZone);
        cursor = o.end;
      }
      store.history.creditInterval(c.id, 'operational', cursor, c.statusSince, timeZone);
    }
  })();

  const active = incidents.createIncident({
    name: 'Elevated API latency',
    impact: 'minor',
    componentIds: ['cache', 'api'],
    isDemo: true,
    first: {
      status: 'investigating',
      body: 'API requests are slower than usual. We are investigating.',
      at: activeStart + 3 * MINUTE,
      components: { api: 'operational', cache: 'degraded_performance' },
    },
  });
  incidents.addUpdate(active, {
    status: 'identified',
    body: 'The slowness comes from the **cache tier**, not the API servers: one cache node is evicting entries early, so more requests reach the database. We are replacing the node.',
    at: activeStart + 24 * MINUTE,
  });

  store.meta.set(DEMO_MARKER, new Date(now).toISOString());
  return true;
}
