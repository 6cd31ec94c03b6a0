import type { ComponentStatus, Impact, IncidentKind, IncidentStatus, MaintenanceStatus } from '../status/types.js';
import type { ChannelBaseConfig } from './channel-base.js';
import { EVENT_KINDS, type EventKind } from './types.js';

/** Without `events:`, a channel gets every incident and maintenance event; component changes only when asked for. */
export const DEFAULT_EVENTS: readonly EventKind[] = EVENT_KINDS.filter((k) => k !== 'component.status');

/** What a channel's filters look at. */
export interface EventFacts {
  kind: EventKind;
  /** Components the event touches: the incident's, or the one that changed. */
  componentIds: readonly string[];
  impact: Impact | 'maintenance';
}

export type ChannelFilters = Pick<ChannelBaseConfig, 'events' | 'components' | 'min_impact'>;

const IMPACT_RANK: Record<Impact, number> = { none: 0, minor: 1, major: 2, critical: 3 };

/**
 * Whether a channel announces an event. All three filters must pass:
 *
 *   filter       unset                                   set
 *   events       every kind but component.status         the kind is listed
 *   components   any event                               the event touches a listed component
 *   min_impact   none: every impact                      impact at least this; maintenance always passes
 */
export function channelWants(channel: ChannelFilters, event: EventFacts): boolean {
  const events = channel.events ?? DEFAULT_EVENTS;
  if (!events.includes(event.kind)) return false;
  if (channel.components && !event.componentIds.some((id) => channel.components!.includes(id))) return false;
  if (event.impact === 'maintenance') return true;
  return IMPACT_RANK[event.impact] >= IMPACT_RANK[channel.min_impact ?? 'none'];
}

const COMPONENT_IMPACT: Record<ComponentStatus, Impact | 'maintenance'> = {
  operational: 'none',
  under_maintenance: 'maintenance',
  degraded_performance: 'minor',
  partial_outage: 'major',
  major_outage: 'critical',
};

/**
 * The impact of a component change, for min_impact: the worse side of it, so that a channel that was
 * told about an outage is also told about the recovery.
 *
 *   from → to                              impact
 *   operational → major_outage             critical
 *   major_outage → operational             critical
 *   operational → degraded_performance     minor
 *   operational → under_maintenance        maintenance (always passes)
 */
export function componentChangeImpact(from: ComponentStatus, to: ComponentStatus): Impact | 'maintenance' {
  const a = COMPONENT_IMPACT[from];
  const b = COMPONENT_IMPACT[to];
  if (a === 'maintenance' || b === 'maintenance') {
    const other = a === 'maintenance' ? b : a;
    return other === 'maintenance' || other === 'none' ? 'maintenance' : other;
  }
  return IMPACT_RANK[a] >= IMPACT_RANK[b] ? a : b;
}

const INCIDENT_DONE = new Set<string>(['resolved', 'postmortem']);

/**
 * Which event a new update of an incident or maintenance is.
 *
 *   kind          before        after                      event
 *   incident      unresolved    resolved / postmortem      incident.resolved
 *   incident      anything else                            incident.updated
 *   maintenance   scheduled     in_progress                maintenance.started
 *   maintenance   not completed completed                  maintenance.completed
 *   maintenance   anything else                            maintenance.updated
 */
export function updateEvent(kind: IncidentKind, before: IncidentStatus | MaintenanceStatus, after: IncidentStatus | MaintenanceStatus): EventKind {
  if (kind === 'incident') return INCIDENT_DONE.has(after) && !INCIDENT_DONE.has(before) ? 'incident.resolved' : 'incident.updated';
  if (after === 'in_progress' && before === 'scheduled') return 'maintenance.started';
  if (after === 'completed' && before !== 'completed') return 'maintenance.completed';
  return 'maintenance.updated';
}
