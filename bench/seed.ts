import type { Store } from '../src/store/index.js';
import type { ComponentStatus, IncidentStatus } from '../src/status/types.js';
import { DAY, HOUR, MINUTE } from '../src/util/time.js';

/** The size the issue asks for: a large but plausible page. */
export const SHAPE = { components: 50, groups: 6, days: 90, incidents: 300, unresolved: 3 } as const;
export const TIME_ZONE = 'Europe/Zurich';

const GROUP_NAMES = ['Public Web', 'API', 'Data', 'Messaging', 'Infrastructure', 'Third Parties'];

export interface SeedSummary {
  components: number;
  groups: number;
  days: number;
  incidents: number;
  unresolved: number;
  updates: number;
  historyRows: number;
  seedMs: number;
}

/** Ids of the leaf components, in config order; the same list the YAML declares. */
export function componentIds(): string[] {
  return Array.from({ length: SHAPE.components }, (_, i) => `svc-${String(i + 1).padStart(2, '0')}`);
}

/**
 * The YAML of a 50-component page, built as text so that it goes through parseConfig exactly like a
 * user's file. Components are dealt round-robin into the groups (9, 9, 8, 8, 8, 8), and in each group
 * every component but the first depends on the first, so root-cause computation has work to do.
 */
export function benchYaml(): string {
  const lines = ['page:', '  id: bench', '  name: Bench Status', '  url: https://status.bench.example', `  time_zone: ${TIME_ZONE}`, 'components:'];
  const ids = componentIds();
  const firstOfGroup = new Map<number, string>();
  ids.forEach((id, i) => {
    const g = i % SHAPE.groups;
    const first = firstOfGroup.get(g);
    if (!first) firstOfGroup.set(g, id);
    const deps = first ? `, depends_on: [${first}]` : '';
    lines.push(`  - { id: ${id}, name: "Service ${i + 1}", group: "${GROUP_NAMES[g]}", description: "Component ${i + 1} of the benchmark page"${deps} }`);
  });
  return lines.join('\n') + '\n';
}

/** Deterministic pseudo-random numbers (mulberry32): every run seeds the same page. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Outage {
  component: string;
  status: ComponentStatus;
  start: number;
  end: number;
}

const OUTAGE_STATUSES: ComponentStatus[] = ['degraded_performance', 'partial_outage', 'major_outage'];
const IMPACTS = ['minor', 'major', 'critical'] as const;

/**
 * 300 incidents spread over 90 days (2-4 updates each, a few still open) and the daily history of
 * every component, operational except during its incidents. Writes go through the store, as the app
 * would make them; the open incidents' components get their status first so that their history stops
 * where the current status starts (as in src/demo/seed.ts).
 */
export function seedBench(store: Store, now: number): SeedSummary {
  const started = performance.now();
  const random = prng(42);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const ids = componentIds();
  const outages: Outage[] = [];
  let updates = 0;

  for (let n = 0; n < SHAPE.incidents; n++) {
    const open = n < SHAPE.unresolved;
    // Open incidents began in the last few hours (oldest first, so each setStatus moves forward in
    // time); the rest anywhere in the 90 days, ended at least three hours ago.
    const start = open ? now - (SHAPE.unresolved - n) * HOUR : now - Math.floor((0.25 + random() * (SHAPE.days - 1)) * DAY);
    const duration = open ? now - start - 10 * MINUTE : (10 + Math.floor(random() * 170)) * MINUTE;
    const affected = [...new Set([pick(ids), ...(random() < 0.3 ? [pick(ids)] : [])])];
    const status = pick(OUTAGE_STATUSES);
    const steps: IncidentStatus[] = open
      ? (['investigating', 'identified'] as IncidentStatus[]).slice(0, 1 + (n % 2))
      : [...(['investigating', 'identified', 'monitoring'] as IncidentStatus[]).slice(0, 1 + Math.floor(random() * 3)), 'resolved'];
    if (open) for (const c of affected) store.components.setStatus(c, status, 'bench', start);
    else for (const c of affected) outages.push({ component: c, status, start, end: start + duration });

    const id = store.incidents.createIncident({
      name: `Incident ${n + 1}: elevated errors on ${affected.join(' and ')}`,
      impact: pick(IMPACTS),
      componentIds: affected,
      first: {
        status: steps[0]!,
        body: `We are investigating **elevated error rates** on ${affected.join(', ')}. Some requests may fail or be slow.`,
        at: start + 2 * MINUTE,
        components: Object.fromEntries(affected.map((c) => [c, status])),
      },
    });
    updates++;
    steps.slice(1).forEach((step, i) => {
      const last = i === steps.length - 2;
      store.incidents.addUpdate(id, {
        status: step,
        body: last && !open ? 'This incident has been resolved. Error rates are back to normal.' : `Update ${i + 2}: the cause has been found and a fix is rolling out. We keep watching error rates.`,
        at: start + Math.round(((i + 1) / (steps.length - 1)) * duration) + (last ? 5 * MINUTE : 0),
        ...(last && !open ? { components: Object.fromEntries(affected.map((c) => [c, 'operational' as ComponentStatus])) } : {}),
      });
      updates++;
    });
  }

  // One transaction for the whole history: about 50 x 90 upserts that would otherwise each fsync.
  store.db.transaction(() => {
    for (const c of store.components.list()) {
      if (c.isGroup) continue;
      // History stops where the current status starts: setStatus credits from there on.
      const limit = Math.min(now, c.statusSince);
      let cursor = now - SHAPE.days * DAY;
      for (const o of outages.filter((x) => x.component === c.id).sort((a, b) => a.start - b.start)) {
        const from = Math.max(cursor, o.start); // overlapping outages: the earlier one wins the overlap
        const to = Math.min(o.end, limit);
        if (to <= from) continue;
        store.history.creditInterval(c.id, 'operational', cursor, from, TIME_ZONE);
        store.history.creditInterval(c.id, o.status, from, to, TIME_ZONE);
        cursor = to;
      }
      store.history.creditInterval(c.id, 'operational', cursor, limit, TIME_ZONE);
    }
  })();

  const historyRows = (store.db.prepare('SELECT count(*) AS n FROM component_daily_status').get() as { n: number }).n;
  return {
    components: ids.length,
    groups: SHAPE.groups,
    days: SHAPE.days,
    incidents: SHAPE.incidents,
    unresolved: SHAPE.unresolved,
    updates,
    historyRows,
    seedMs: performance.now() - started,
  };
}
