import type { ComponentView, Snapshot } from '../status/snapshot.js';
import type { Incident, IncidentUpdate } from '../status/types.js';
import { isoInZone } from '../util/time.js';

/**
 * Statuspage public API v2 bodies, key for key: widgets, bots and client libraries written against
 * Atlassian's API read these unchanged. Outpost's own additions live under an `outpost` key.
 */
export function statuspageDocuments(s: Snapshot): Record<string, unknown> {
  const { page, status, incident, components } = serializers(s);
  const unresolved = s.unresolvedIncidents.map(incident);
  const outpost = {
    monitoring: { interrupted: s.monitoring.interrupted, since: s.monitoring.since === null ? null : isoInZone(s.monitoring.since, s.page.time_zone) },
    ...(s.demo ? { demo: true } : {}),
  };
  const upcoming = s.upcomingMaintenances.map(incident);
  const active = s.activeMaintenances.map(incident);

  return {
    '/api/v2/summary.json': { page, components, incidents: unresolved, scheduled_maintenances: [...active, ...upcoming], status, outpost },
    '/api/v2/status.json': { page, status, outpost },
    '/api/v2/components.json': { page, components },
    '/api/v2/incidents.json': { page, incidents: s.incidents.slice(0, 50).map(incident) },
    '/api/v2/incidents/unresolved.json': { page, incidents: unresolved },
    '/api/v2/scheduled-maintenances.json': { page, scheduled_maintenances: s.maintenances.slice(0, 50).map(incident) },
    '/api/v2/scheduled-maintenances/upcoming.json': { page, scheduled_maintenances: upcoming },
    '/api/v2/scheduled-maintenances/active.json': { page, scheduled_maintenances: active },
  };
}

/** Statuspage's JSON shapes for one snapshot: shared by the public API v2 and the management API v1. */
export function serializers(s: Snapshot) {
  const tz = s.page.time_zone;
  const iso = (ms: number | null) => (ms === null ? null : isoInZone(ms, tz));
  const pageId = s.page.id;
  const base = s.page.url.replace(/\/$/, '');

  const page = { id: pageId, name: s.page.name, url: s.page.url, time_zone: s.page.time_zone, updated_at: iso(s.updatedAt) };
  const status = { indicator: s.status.indicator, description: s.status.description };

  const component = (c: ComponentView) => ({
    id: c.id,
    name: c.name,
    status: c.effectiveStatus,
    created_at: iso(c.createdAt),
    updated_at: iso(Math.max(c.updatedAt, c.statusSince)),
    position: c.position,
    description: c.description,
    showcase: c.showcase,
    start_date: c.startDate,
    group_id: c.groupId,
    page_id: pageId,
    group: c.isGroup,
    only_show_if_degraded: c.onlyShowIfDegraded,
    ...(c.isGroup ? { components: c.children.map((child) => child.id) } : {}),
    outpost: {
      affected_by: c.affectedBy,
      ...(c.uptime ? { uptime: { last_30_days: round(c.uptime.uptime30), last_90_days: round(c.uptime.uptime90) } } : {}),
    },
  });
  const components = s.components.map(component);
  const componentById = new Map(components.map((c) => [c.id, c]));

  const update = (u: IncidentUpdate) => ({
    id: u.id,
    status: u.status,
    body: u.body,
    incident_id: u.incidentId,
    created_at: iso(u.createdAt),
    updated_at: iso(u.updatedAt),
    display_at: iso(u.displayAt),
    affected_components:
      u.affectedComponents.length === 0
        ? null
        : u.affectedComponents.map((a) => ({
            code: a.componentId,
            name: s.componentsById.get(a.componentId)?.name ?? a.componentId,
            old_status: a.oldStatus,
            new_status: a.newStatus,
          })),
    deliver_notifications: u.deliverNotifications,
    custom_tweet: null,
    tweet_id: null,
  });

  const incident = (i: Incident) => ({
    id: i.id,
    name: i.name,
    status: i.status,
    created_at: iso(i.createdAt),
    updated_at: iso(i.updatedAt),
    monitoring_at: iso(i.monitoringAt),
    resolved_at: iso(i.resolvedAt),
    impact: i.impactOverride ?? i.impact,
    shortlink: `${base}/incidents/${i.id}`,
    started_at: iso(i.startedAt),
    page_id: pageId,
    incident_updates: i.updates.map(update),
    components: i.componentIds.flatMap((id) => componentById.get(id) ?? []),
    ...(i.kind === 'maintenance' ? { scheduled_for: iso(i.scheduledFor), scheduled_until: iso(i.scheduledUntil) } : {}),
  });

  return { page, status, component, incident, update, components, componentById };
}

function round(fraction: number | null): number | null {
  return fraction === null ? null : Math.floor(fraction * 1_000_000 + 1e-7) / 10_000; // the nudge: see percent()
}
