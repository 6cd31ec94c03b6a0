import type { PageConfig } from '../config/schema.js';
import { addDays, dayKey } from '../util/time.js';
import { rootCauses } from './dependencies.js';
import { pageStatus, worstStatus, type PageStatus } from './indicator.js';
import {
  ACTIVE_MAINTENANCE_STATUSES,
  UNRESOLVED_INCIDENT_STATUSES,
  type Component,
  type ComponentStatus,
  type DailyStatus,
  type Incident,
  type MaintenanceStatus,
  type IncidentStatus,
  type LatencyPoint,
  type StatusSeconds,
} from './types.js';
import { componentUptime, UptimeMemo, uptimeWindow, type ComponentUptime, type DayIncident } from './uptime.js';

export const UPTIME_DAYS = 90;
export const RECENT_DAYS = 14;

export interface ComponentView extends Component {
  /** Groups show their worst visible child. */
  effectiveStatus: ComponentStatus;
  /** Root causes among its dependencies that are not operational. */
  affectedBy: { id: string; name: string; status: ComponentStatus }[];
  children: ComponentView[];
  uptime: ComponentUptime | null;
  /** Hourly response times of its probes, for components with show_latency. */
  latency: LatencyPoint[] | null;
}

export interface MonitoringState {
  /** The prober is impaired: automated statuses are frozen and may be stale. */
  interrupted: boolean;
  since: number | null;
}

export interface Snapshot {
  page: PageConfig;
  demo: boolean;
  generatedAt: number;
  /** Last time anything shown on the page changed. */
  updatedAt: number;
  status: PageStatus;
  /** Visible components and groups, in page order (groups before their children). */
  components: ComponentView[];
  /** Top level of the page: groups (with children) and ungrouped components. */
  tree: ComponentView[];
  componentsById: Map<string, ComponentView>;
  /** Every incident, newest first. Maintenances separately, newest scheduled first. */
  incidents: Incident[];
  maintenances: Incident[];
  unresolvedIncidents: Incident[];
  activeMaintenances: Incident[];
  upcomingMaintenances: Incident[];
  /** The last RECENT_DAYS days, newest first, each with incidents and maintenances that started that day. */
  recentDays: { day: string; items: Incident[] }[];
  uptimeWindow: string[];
  monitoring: MonitoringState;
}

export interface SnapshotInput {
  page: PageConfig;
  demo: boolean;
  now: number;
  components: Component[];
  incidents: Incident[];
  /** Daily status rows by component, from the first day of the window on. */
  daily: Map<string, DailyStatus[]>;
  monitoring?: MonitoringState;
  latency?: Map<string, LatencyPoint[]>;
  /** Kept by the caller between builds: what did not change is not computed again. */
  memo?: SnapshotMemo;
}

/**
 * What one build leaves for the next. Each entry is keyed by the identity of its inputs (the
 * store's cached arrays are replaced only when they change), so a stale entry can never be used.
 */
export class SnapshotMemo {
  readonly uptime = new UptimeMemo();
  readonly dailyMaps = new WeakMap<DailyStatus[], Map<string, StatusSeconds>>();
  incidentDays: { incidents: Incident[]; firstDay: string; today: string; tz: string; value: Map<string, Map<string, DayIncident[]>> } | undefined;
}

const NO_DAYS = new Map<string, StatusSeconds>();
const NO_INCIDENTS = new Map<string, DayIncident[]>();

export function buildSnapshot(input: SnapshotInput): Snapshot {
  const { page, now } = input;
  const tz = page.time_zone;
  const visible = input.components.filter((c) => !c.hidden);
  const leaves = visible.filter((c) => !c.isGroup);

  const incidents = input.incidents.filter((i) => i.kind === 'incident');
  const maintenances = input.incidents
    .filter((i) => i.kind === 'maintenance')
    .sort((a, b) => (b.scheduledFor ?? 0) - (a.scheduledFor ?? 0));
  const unresolvedIncidents = incidents.filter((i) => UNRESOLVED_INCIDENT_STATUSES.includes(i.status as IncidentStatus));
  const activeMaintenances = maintenances.filter((m) => ACTIVE_MAINTENANCE_STATUSES.includes(m.status as MaintenanceStatus));
  const upcomingMaintenances = maintenances
    .filter((m) => m.status === 'scheduled')
    .sort((a, b) => (a.scheduledFor ?? 0) - (b.scheduledFor ?? 0));

  const window = uptimeWindow(now, tz, UPTIME_DAYS);
  const memo = input.memo ?? new SnapshotMemo();
  const dailyByComponent = new Map<string, Map<string, StatusSeconds>>();
  for (const [componentId, rows] of input.daily) {
    let byDay = memo.dailyMaps.get(rows);
    if (!byDay) memo.dailyMaps.set(rows, (byDay = new Map(rows.map((r) => [r.day, r.seconds]))));
    dailyByComponent.set(componentId, byDay);
  }
  // Which incidents touched which day: the same until the incidents change or a day passes.
  const firstDay = window.days[0]!;
  const today = window.days.at(-1)!;
  const cached = memo.incidentDays;
  const incidentDays =
    cached && cached.incidents === input.incidents && cached.firstDay === firstDay && cached.today === today && cached.tz === tz
      ? cached.value
      : incidentsByComponentAndDay([...incidents, ...maintenances], firstDay, now, tz);
  memo.incidentDays = { incidents: input.incidents, firstDay, today, tz, value: incidentDays };

  const names = new Map(input.components.map((c) => [c.id, c.name]));
  const causes = rootCauses(leaves.map((c) => ({ id: c.id, status: c.status, dependsOn: c.dependsOn })));
  const statusOf = new Map(leaves.map((c) => [c.id, c.status]));

  const views = new Map<string, ComponentView>();
  for (const c of visible) {
    views.set(c.id, {
      ...c,
      effectiveStatus: c.status,
      affectedBy: (causes.get(c.id) ?? []).map((id) => ({ id, name: names.get(id) ?? id, status: statusOf.get(id)! })),
      children: [],
      latency: input.latency?.get(c.id) ?? null,
      uptime: c.isGroup || !c.showcase
        ? null
        : componentUptime(
            {
              daily: dailyByComponent.get(c.id) ?? NO_DAYS,
              current: { status: c.status, since: c.statusSince },
              startDate: c.startDate,
              incidentsByDay: incidentDays.get(c.id) ?? NO_INCIDENTS,
            },
            window,
            now,
            { memo: memo.uptime, componentId: c.id },
          ),
    });
  }
  const tree: ComponentView[] = [];
  for (const view of views.values()) {
    const parent = view.groupId ? views.get(view.groupId) : undefined;
    if (parent) parent.children.push(view);
    else tree.push(view);
  }
  for (const view of views.values()) {
    if (view.isGroup) view.effectiveStatus = worstStatus(view.children.map((c) => c.status));
  }
  const shownTree = tree.filter((v) => !v.isGroup || v.children.length > 0);

  // The last RECENT_DAYS days of the window. Items are picked by instant first (a number compare
  // for each of the hundreds), and only those few are sorted and converted to their day.
  const recentStartsAt = window.starts[window.days.length - RECENT_DAYS]!;
  const started = (i: Incident) => {
    const at = occurredAt(i);
    return at >= recentStartsAt && at <= now;
  };
  const byDay = new Map<string, Incident[]>();
  for (const item of [...incidents.filter(started), ...maintenances.filter((m) => m.status !== 'scheduled' && started(m))].sort((a, b) => occurredAt(b) - occurredAt(a))) {
    const day = dayKey(occurredAt(item), tz);
    const list = byDay.get(day);
    if (list) list.push(item);
    else byDay.set(day, [item]);
  }
  const recentDays = window.days.slice(-RECENT_DAYS).reverse().map((day) => ({ day, items: byDay.get(day) ?? [] }));

  const updatedAt = Math.max(
    0,
    ...input.components.map((c) => Math.max(c.updatedAt, c.statusSince)),
    ...input.incidents.map((i) => i.updatedAt),
  );

  return {
    page,
    demo: input.demo,
    generatedAt: now,
    updatedAt: updatedAt || now,
    status: pageStatus(
      leaves.map((c) => c.status),
      unresolvedIncidents,
      activeMaintenances.length > 0,
    ),
    components: [...views.values()].sort((a, b) => a.position - b.position),
    tree: shownTree,
    componentsById: views,
    incidents,
    maintenances,
    unresolvedIncidents,
    activeMaintenances,
    upcomingMaintenances,
    recentDays,
    uptimeWindow: window.days,
    monitoring: input.monitoring ?? { interrupted: false, since: null },
  };
}

/**
 * Which incidents touched each component on each day of the window (start to resolution, or now),
 * and which maintenances: from the update that started the work to its end. A maintenance that
 * never started (still scheduled, or completed without work, i.e. cancelled) touched no day.
 */
function incidentsByComponentAndDay(incidents: Incident[], firstDay: string, now: number, tz: string) {
  const out = new Map<string, Map<string, DayIncident[]>>();
  for (const incident of incidents) {
    const start = incident.kind === 'maintenance' ? workStarted(incident) : incident.startedAt;
    if (start === undefined) continue;
    const end = incident.resolvedAt ?? now;
    let day = dayKey(start, tz);
    const last = dayKey(Math.max(end, start), tz);
    if (last < firstDay) continue;
    if (day < firstDay) day = firstDay;
    for (let guard = 0; day <= last && guard < UPTIME_DAYS + 2; guard++, day = addDays(day, 1)) {
      for (const componentId of incident.componentIds) {
        let days = out.get(componentId);
        if (!days) out.set(componentId, (days = new Map()));
        const list = days.get(day) ?? [];
        list.push({ id: incident.id, name: incident.name, kind: incident.kind });
        days.set(day, list);
      }
    }
  }
  return out;
}

/**
 * Where an incident or a maintenance is filed (past incidents, history): when it started, and for
 * a maintenance when its work started, which an operator may begin before the window does.
 */
export function occurredAt(i: Incident): number {
  return i.kind === 'maintenance' ? (workStarted(i) ?? i.startedAt) : i.startedAt;
}

/** When a maintenance's work began: its earliest update in progress or verifying. */
function workStarted(m: Incident): number | undefined {
  let start: number | undefined;
  for (const u of m.updates) if ((u.status === 'in_progress' || u.status === 'verifying') && (start === undefined || u.displayAt < start)) start = u.displayAt;
  return start;
}
