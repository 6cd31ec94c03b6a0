import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { DEFAULT_POLICY, type AuthPolicy } from '../auth/policy.js';
import { AdminViews } from '../auth/views.js';
import type { Store } from '../store/index.js';
import { ACTIVE_MAINTENANCE_STATUSES, UNRESOLVED_INCIDENT_STATUSES, type Component, type Incident } from '../status/types.js';
import type { Clock } from '../util/time.js';
import { ago, formatHelpers, label } from './admin-format.js';
import { probeSummary, probeViews } from './admin-probes.js';

export interface AdminDashboardOptions {
  store: Store;
  clock: Clock;
  pageName: string;
  policy?: AuthPolicy;
}

/** Components as the page orders them: each group with its children, ungrouped ones in sections of their own. */
export interface ComponentSection {
  group: Component | null;
  components: Component[];
}

/** Visible components in page order, grouped; groups without visible children are left out. */
export function componentSections(all: Component[]): ComponentSection[] {
  const visible = all.filter((c) => !c.hidden);
  const sections: ComponentSection[] = [];
  for (const c of visible) {
    if (c.isGroup) sections.push({ group: c, components: visible.filter((child) => !child.isGroup && child.groupId === c.id) });
    else if (c.groupId === null) {
      const last = sections.at(-1);
      if (last && last.group === null) last.components.push(c);
      else sections.push({ group: null, components: [c] });
    }
  }
  return sections.filter((s) => s.components.length > 0);
}

/** What a component's probes say, in words: their status, or why there is none. */
export function probesSayer(store: Store): (c: Component) => string {
  const probed = new Set(store.probes.list().flatMap((p) => (p.componentId ? [p.componentId] : [])));
  return (c) => (c.automatedStatus ? label(c.automatedStatus) : probed.has(c.id) ? 'not confirmed yet' : 'no probes');
}

/** Automatic incidents may open as drafts, shown here and nowhere public until an operator publishes them. */
export const isDraft = (incident: Incident): boolean => incident.published === false;

/** What the dashboard shows, read from the store in one go. */
export function dashboardData(store: Store) {
  const incidents = store.incidents.listAll();
  const probes = probeViews(store);
  return {
    sections: componentSections(store.components.list()),
    probesSay: probesSayer(store),
    incidents: incidents.filter((i) => i.kind === 'incident' && (UNRESOLVED_INCIDENT_STATUSES as readonly string[]).includes(i.status)),
    inProgress: incidents.filter((i) => i.kind === 'maintenance' && (ACTIVE_MAINTENANCE_STATUSES as readonly string[]).includes(i.status)),
    upcoming: incidents
      .filter((i) => i.kind === 'maintenance' && i.status === 'scheduled')
      .sort((a, b) => (a.scheduledFor ?? 0) - (b.scheduledFor ?? 0)),
    probes: probeSummary(probes),
    prober: store.proberHealth.get(),
  };
}

/** GET /admin: what needs attention now, for any signed-in operator. */
export function adminDashboard(opts: AdminDashboardOptions): FastifyPluginAsync {
  return async (admin: FastifyInstance) => {
    const { store, clock } = opts;
    const policy = opts.policy ?? DEFAULT_POLICY;
    const views = new AdminViews(opts.pageName);
    admin.get('/', async (request, reply) => {
      const now = clock();
      const data = dashboardData(store);
      return views.send(request, reply, 200, 'dashboard', 'Dashboard', {
        ...data,
        impaired: data.prober.impaired ? { since: data.prober.since, reason: data.prober.reason } : null,
        operator: request.operator,
        // Forms this operator sent after a session ended: signing in leads to them, and so does this.
        unsent: store.unsentForms.list(request.operator!.id, now).length,
        idleMinutes: Math.round(policy.idleMs / 60_000),
        absoluteHours: Math.round(policy.absoluteMs / 3_600_000),
        isDraft,
        ago: (ms: number) => ago(now - ms),
        ...formatHelpers,
      }, 'dashboard');
    });
  };
}
