/**
 * JSON Schemas of Statuspage's public API v2 responses, written from Atlassian's API documentation
 * (https://doers.statuspage.io/api/v2/) and responses of Statuspage-hosted pages. Every key Statuspage
 * sends is required with its type; the only extra key allowed is Outpost's own `outpost`.
 */
const ts = { type: 'string', format: 'date-time', pattern: '(Z|[+-]\\d{2}:\\d{2})$' } as const;
const nullableTs = { anyOf: [ts, { type: 'null' }] } as const;
const id = { type: 'string', minLength: 1 } as const;
const componentStatus = { enum: ['operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance'] } as const;

const strict = (properties: Record<string, unknown>, extra: string[] = []) => ({
  type: 'object',
  required: Object.keys(properties).filter((k) => !extra.includes(k)),
  properties: { ...properties, outpost: { type: 'object' } },
  additionalProperties: false,
});

export const page = strict({ id, name: { type: 'string' }, url: { type: 'string', format: 'uri' }, time_zone: { type: 'string' }, updated_at: ts });

export const status = strict({
  indicator: { enum: ['none', 'minor', 'major', 'critical', 'maintenance'] },
  description: { type: 'string', minLength: 1 },
});

export const component = strict(
  {
    id,
    name: { type: 'string' },
    status: componentStatus,
    created_at: ts,
    updated_at: ts,
    position: { type: 'integer' },
    description: { type: ['string', 'null'] },
    showcase: { type: 'boolean' },
    start_date: { anyOf: [{ type: 'string', format: 'date' }, { type: 'null' }] },
    group_id: { type: ['string', 'null'] },
    page_id: id,
    group: { type: 'boolean' },
    only_show_if_degraded: { type: 'boolean' },
    components: { type: 'array', items: id },
  },
  ['components'],
);

const incidentUpdate = strict({
  id,
  status: { enum: ['investigating', 'identified', 'monitoring', 'resolved', 'postmortem', 'scheduled', 'in_progress', 'verifying', 'completed'] },
  body: { type: 'string' },
  incident_id: id,
  created_at: ts,
  updated_at: ts,
  display_at: ts,
  affected_components: {
    anyOf: [
      { type: 'null' },
      {
        type: 'array',
        items: strict({ code: id, name: { type: 'string' }, old_status: componentStatus, new_status: componentStatus }),
      },
    ],
  },
  deliver_notifications: { type: 'boolean' },
  custom_tweet: { type: ['string', 'null'] },
  tweet_id: { type: ['string', 'null'] },
});

const incidentProperties = {
  id,
  name: { type: 'string' },
  status: { enum: ['investigating', 'identified', 'monitoring', 'resolved', 'postmortem'] },
  created_at: ts,
  updated_at: ts,
  monitoring_at: nullableTs,
  resolved_at: nullableTs,
  impact: { enum: ['none', 'minor', 'major', 'critical'] },
  shortlink: { type: 'string', format: 'uri' },
  started_at: ts,
  page_id: id,
  incident_updates: { type: 'array', items: incidentUpdate, minItems: 1 },
  components: { type: 'array', items: component },
};
export const incident = strict(incidentProperties);

export const maintenance = strict({
  ...incidentProperties,
  status: { enum: ['scheduled', 'in_progress', 'verifying', 'completed'] },
  impact: { enum: ['maintenance', 'none', 'minor', 'major', 'critical'] },
  scheduled_for: ts,
  scheduled_until: ts,
});

const doc = (properties: Record<string, unknown>) => ({
  type: 'object',
  required: Object.keys(properties),
  properties: { ...properties, outpost: { type: 'object' } },
  additionalProperties: false,
});

export const documents: Record<string, object> = {
  '/api/v2/summary.json': doc({
    page,
    components: { type: 'array', items: component },
    incidents: { type: 'array', items: incident },
    scheduled_maintenances: { type: 'array', items: maintenance },
    status,
  }),
  '/api/v2/status.json': doc({ page, status }),
  '/api/v2/components.json': doc({ page, components: { type: 'array', items: component } }),
  '/api/v2/incidents.json': doc({ page, incidents: { type: 'array', items: incident, maxItems: 50 } }),
  '/api/v2/incidents/unresolved.json': doc({ page, incidents: { type: 'array', items: incident } }),
  '/api/v2/scheduled-maintenances.json': doc({ page, scheduled_maintenances: { type: 'array', items: maintenance, maxItems: 50 } }),
  '/api/v2/scheduled-maintenances/upcoming.json': doc({ page, scheduled_maintenances: { type: 'array', items: maintenance } }),
  '/api/v2/scheduled-maintenances/active.json': doc({ page, scheduled_maintenances: { type: 'array', items: maintenance } }),
};
