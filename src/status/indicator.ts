import type { ComponentStatus, Impact, Incident, Indicator } from './types.js';

/**
 * The page's overall status, by Statuspage's rules: the worst of the components' statuses and the
 * impacts of unresolved incidents, each mapped to an indicator. Maintenance shows only when nothing
 * is broken.
 *
 *   source                         indicator     description
 *   nothing                        none          All Systems Operational
 *   maintenance in progress        maintenance   Service Under Maintenance
 *   component degraded_performance minor         Partially Degraded Service
 *   incident impact minor          minor         Minor Service Outage
 *   component partial_outage       major         Partial System Outage
 *   incident impact major          major         Partial System Outage
 *   component major_outage         critical      Major Service Outage
 *   incident impact critical       critical      Major Service Outage
 */
export interface PageStatus {
  indicator: Indicator;
  description: string;
}

const RANK: Record<Indicator, number> = { none: 0, maintenance: 1, minor: 2, major: 3, critical: 4 };

const COMPONENT_INDICATOR: Record<ComponentStatus, { indicator: Indicator; description: string }> = {
  operational: { indicator: 'none', description: 'All Systems Operational' },
  under_maintenance: { indicator: 'maintenance', description: 'Service Under Maintenance' },
  degraded_performance: { indicator: 'minor', description: 'Partially Degraded Service' },
  partial_outage: { indicator: 'major', description: 'Partial System Outage' },
  major_outage: { indicator: 'critical', description: 'Major Service Outage' },
};

const IMPACT_INDICATOR: Record<Impact, { indicator: Indicator; description: string }> = {
  none: { indicator: 'none', description: 'All Systems Operational' },
  minor: { indicator: 'minor', description: 'Minor Service Outage' },
  major: { indicator: 'major', description: 'Partial System Outage' },
  critical: { indicator: 'critical', description: 'Major Service Outage' },
};

export function pageStatus(
  componentStatuses: Iterable<ComponentStatus>,
  unresolvedIncidents: Pick<Incident, 'impact' | 'impactOverride'>[],
  maintenanceInProgress: boolean,
): PageStatus {
  let worst: PageStatus = maintenanceInProgress ? COMPONENT_INDICATOR.under_maintenance : COMPONENT_INDICATOR.operational;
  const consider = (candidate: PageStatus) => {
    // On a tie between a component and an incident, the incident's wording wins: it was chosen by a person.
    if (RANK[candidate.indicator] > RANK[worst.indicator]) worst = candidate;
  };
  for (const incident of unresolvedIncidents) {
    const impact = incident.impactOverride ?? incident.impact;
    if (impact !== 'maintenance') consider(IMPACT_INDICATOR[impact]);
  }
  for (const status of componentStatuses) consider(COMPONENT_INDICATOR[status]);
  return { indicator: worst.indicator, description: worst.description };
}

const STATUS_RANK: Record<ComponentStatus, number> = {
  operational: 0,
  under_maintenance: 1,
  degraded_performance: 2,
  partial_outage: 3,
  major_outage: 4,
};

/** The worse of component statuses: a group shows its worst child, a day its worst moment. */
export function worstStatus(statuses: Iterable<ComponentStatus>): ComponentStatus {
  let worst: ComponentStatus = 'operational';
  for (const s of statuses) if (STATUS_RANK[s] > STATUS_RANK[worst]) worst = s;
  return worst;
}
