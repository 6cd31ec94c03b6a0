import type { PageConfig } from '../config/schema.js';
import { serializers } from '../render/statuspage-json.js';
import { buildSnapshot, SnapshotMemo, type Snapshot } from '../status/snapshot.js';
import type { Incident } from '../status/types.js';
import type { Store } from '../store/index.js';
import { isoInZone } from '../util/time.js';
import type { AnnouncedComponent, Announcement, ComponentStatusChange, EventKind } from './types.js';

/**
 * Builds announcements from the store as it is inside the writer's transaction: the incident and the
 * update just written, or the component change, with the page's overall status at that moment.
 * Stored whole in the outbox row, so a retry an hour later says what was true when it happened.
 */

/** Drafts (automatic incidents awaiting an operator) are not on the page and are never announced. */
export function isPublished(incident: Incident): boolean {
  return (incident as { published?: boolean }).published !== false;
}

/**
 * The page as the public sees it now. Uptime is left out (no daily history is read): announcements
 * carry statuses, not percentages, and this runs inside a write.
 */
function pageSnapshot(store: Store, page: PageConfig, now: number): Snapshot {
  return buildSnapshot({
    page,
    demo: false,
    now,
    components: store.components.list(),
    incidents: store.incidents.listPublished(),
    daily: new Map(),
    // Without history every past day is empty: remembered, a write pays for today only.
    memo: captureMemo,
  });
}

const captureMemo = new SnapshotMemo();

function pageOf(snapshot: Snapshot): Announcement['page'] {
  const { page, status } = snapshot;
  return { id: page.id, name: page.name, url: page.url, timeZone: page.time_zone, indicator: status.indicator, description: status.description };
}

/** Statuspage's JSON without Outpost's `outpost` additions, which the webhook-subscriber format does not have. */
function plain(value: Record<string, unknown>): Record<string, unknown> {
  const { outpost: _outpost, ...rest } = value;
  return rest;
}

export function captureIncident(store: Store, page: PageConfig, kind: EventKind, incident: Incident, now: number): Announcement {
  const snapshot = pageSnapshot(store, page, now);
  const json = serializers(snapshot);
  const update = incident.updates[0];
  if (!update) throw new Error(`incident ${incident.id} has no update to announce`);
  const statuspage = json.incident(incident);
  // Each component as this update left it: an automatic incident's update is written in the same
  // transaction as the status change it reports, before the component's new status is stored.
  const atUpdate = new Map(update.affectedComponents.map((a) => [a.componentId, a.newStatus]));
  const components: AnnouncedComponent[] = incident.componentIds.flatMap((id) => {
    const c = snapshot.componentsById.get(id);
    return c ? [{ id: c.id, name: c.name, status: atUpdate.get(id) ?? c.effectiveStatus }] : [];
  });
  const statuspageComponents = (statuspage.components as Record<string, unknown>[]).map((c) => {
    const status = atUpdate.get(String(c.id));
    return plain(status ? { ...c, status } : c);
  });
  return {
    eventId: `${kind}:${update.id}`,
    kind,
    at: now,
    page: pageOf(snapshot),
    incident: {
      id: incident.id,
      kind: incident.kind,
      name: incident.name,
      status: incident.status,
      impact: incident.kind === 'maintenance' ? 'maintenance' : (incident.impactOverride ?? incident.impact),
      url: String(statuspage.shortlink),
      createdAt: incident.createdAt,
      scheduledFor: incident.scheduledFor,
      scheduledUntil: incident.scheduledUntil,
      update: { id: update.id, status: update.status, body: update.body, at: update.displayAt },
      components,
      statuspage: { ...statuspage, components: statuspageComponents },
    },
  };
}

export function captureComponentChange(store: Store, page: PageConfig, change: ComponentStatusChange, now: number): Announcement | undefined {
  const snapshot = pageSnapshot(store, page, now);
  const view = snapshot.componentsById.get(change.componentId);
  if (!view) return undefined; // hidden components are not on the page, so not announced either
  const full = serializers(snapshot).component(view);
  // The webhook-subscriber format's component: Statuspage sends exactly these keys.
  const statuspage = {
    status: full.status,
    name: full.name,
    created_at: full.created_at,
    updated_at: full.updated_at,
    position: full.position,
    description: full.description,
    showcase: full.showcase,
    id: full.id,
    page_id: full.page_id,
    group_id: full.group_id,
  };
  return {
    eventId: `component.status:${change.componentId}:${change.at}:${change.from}:${change.to}`,
    kind: 'component.status',
    at: now,
    page: pageOf(snapshot),
    component: { id: view.id, name: view.name, oldStatus: change.from, newStatus: change.to, at: change.at, statuspage },
  };
}

/** A message an operator sends from the admin to check a channel: shaped like a new incident, marked as a test. */
export function captureTest(store: Store, page: PageConfig, testId: string, now: number): Announcement {
  const snapshot = pageSnapshot(store, page, now);
  const iso = isoInZone(now, page.time_zone);
  const body = `This is a test message from ${page.name}. Nothing has happened; an operator is checking that announcements arrive.`;
  const incidentId = `test-${testId}`;
  const update = { id: `test-update-${testId}`, status: 'investigating' as const, body, at: now };
  return {
    eventId: `test:${testId}`,
    kind: 'incident.created',
    at: now,
    test: true,
    page: pageOf(snapshot),
    incident: {
      id: incidentId,
      kind: 'incident',
      name: 'Test announcement',
      status: 'investigating',
      impact: 'none',
      url: page.url,
      createdAt: now,
      scheduledFor: null,
      scheduledUntil: null,
      update,
      components: [],
      statuspage: {
        id: incidentId,
        name: 'Test announcement',
        status: 'investigating',
        created_at: iso,
        updated_at: iso,
        monitoring_at: null,
        resolved_at: null,
        impact: 'none',
        shortlink: page.url,
        started_at: iso,
        page_id: page.id,
        incident_updates: [
          {
            id: update.id,
            status: 'investigating',
            body,
            incident_id: incidentId,
            created_at: iso,
            updated_at: iso,
            display_at: iso,
            affected_components: null,
            deliver_notifications: true,
            custom_tweet: null,
            tweet_id: null,
          },
        ],
        components: [],
      },
    },
  };
}
