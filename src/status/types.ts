/** Statuspage's enums, exactly: existing consumers switch on these strings. */
export const COMPONENT_STATUSES = ['operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance'] as const;
export type ComponentStatus = (typeof COMPONENT_STATUSES)[number];

export const INCIDENT_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved', 'postmortem'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export const MAINTENANCE_STATUSES = ['scheduled', 'in_progress', 'verifying', 'completed'] as const;
export type MaintenanceStatus = (typeof MAINTENANCE_STATUSES)[number];

export const IMPACTS = ['none', 'minor', 'major', 'critical'] as const;
export type Impact = (typeof IMPACTS)[number];

export type Indicator = Impact | 'maintenance';

export type IncidentKind = 'incident' | 'maintenance';

export const UNRESOLVED_INCIDENT_STATUSES: readonly IncidentStatus[] = ['investigating', 'identified', 'monitoring'];
export const ACTIVE_MAINTENANCE_STATUSES: readonly MaintenanceStatus[] = ['in_progress', 'verifying'];

export interface Component {
  id: string;
  name: string;
  description: string | null;
  isGroup: boolean;
  groupId: string | null;
  position: number;
  showcase: boolean;
  onlyShowIfDegraded: boolean;
  startDate: string | null;
  status: ComponentStatus;
  statusSince: number;
  hidden: boolean;
  createdAt: number;
  updatedAt: number;
  dependsOn: string[];
  /** What the probes last said, if the component has probes. */
  automatedStatus: ComponentStatus | null;
  /** An operator's (or an incident's, or a maintenance window's) override, which wins until cleared. */
  manual: { status: ComponentStatus; reason: string; setAt: number } | null;
}

export interface AffectedComponent {
  componentId: string;
  oldStatus: ComponentStatus;
  newStatus: ComponentStatus;
}

export interface IncidentUpdate {
  id: string;
  incidentId: string;
  status: IncidentStatus | MaintenanceStatus;
  body: string;
  createdAt: number;
  updatedAt: number;
  displayAt: number;
  deliverNotifications: boolean;
  affectedComponents: AffectedComponent[];
}

export interface Incident {
  id: string;
  kind: IncidentKind;
  name: string;
  status: IncidentStatus | MaintenanceStatus;
  impact: Impact | 'maintenance';
  impactOverride: Impact | null;
  createdAt: number;
  updatedAt: number;
  startedAt: number;
  monitoringAt: number | null;
  resolvedAt: number | null;
  scheduledFor: number | null;
  scheduledUntil: number | null;
  scheduledAutoInProgress: boolean;
  scheduledAutoCompleted: boolean;
  postmortemBody: string | null;
  postmortemPublishedAt: number | null;
  componentIds: string[];
  /** False for a draft (an automatic incident awaiting an operator): shown in the admin only. */
  published: boolean;
  /** Set on incidents the probes opened: the component whose outage it is about. */
  autoComponentId: string | null;
  /** Newest first, as Statuspage lists them. */
  updates: IncidentUpdate[];
}

/** One hour of a component's response times (mean over its probes, worst probe's p95). */
export interface LatencyPoint {
  /** Start of the hour, ms. */
  hour: number;
  mean: number;
  p95: number | null;
}

/** Seconds a component spent in each status during one calendar day of the page's time zone. */
export type StatusSeconds = Record<ComponentStatus, number>;

export interface DailyStatus {
  componentId: string;
  day: string;
  seconds: StatusSeconds;
}

export function emptySeconds(): StatusSeconds {
  return { operational: 0, degraded_performance: 0, partial_outage: 0, major_outage: 0, under_maintenance: 0 };
}
