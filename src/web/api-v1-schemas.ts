import { z } from 'zod';
import { COMPONENT_STATUSES, IMPACTS, INCIDENT_STATUSES, MAINTENANCE_STATUSES } from '../status/types.js';

/** Request bodies of the management API, in Statuspage's v1 field names. */
const isoTime = z.iso.datetime({ offset: true, error: 'expected an ISO 8601 time with an offset, e.g. 2026-11-22T10:00:00Z' });

export const incidentBody = z.strictObject({
  name: z.string().trim().min(1, 'expected a non-empty name').max(200, 'expected at most 200 characters'),
  status: z.enum([...INCIDENT_STATUSES, ...MAINTENANCE_STATUSES], { error: `expected one of ${[...INCIDENT_STATUSES, ...MAINTENANCE_STATUSES].join(', ')}` }).optional(),
  impact_override: z.enum(IMPACTS, { error: `expected one of ${IMPACTS.join(', ')}` }).nullable().optional(),
  body: z.string().max(20_000, 'expected at most 20,000 characters').optional(),
  component_ids: z.array(z.string()).max(500).optional(),
  components: z.record(z.string(), z.enum(COMPONENT_STATUSES, { error: `expected a component status: ${COMPONENT_STATUSES.join(', ')}` })).optional(),
  deliver_notifications: z.boolean().optional(),
  scheduled_for: isoTime.optional(),
  scheduled_until: isoTime.optional(),
  scheduled_auto_in_progress: z.boolean().optional(),
  scheduled_auto_completed: z.boolean().optional(),
  // Accepted for compatibility with Statuspage clients; Outpost has no separate reminder.
  scheduled_remind_prior: z.boolean().optional(),
});

export const updateBody = z.strictObject({
  body: z.string().min(1, 'expected the corrected text').max(20_000, 'expected at most 20,000 characters'),
});

export const componentBody = z.strictObject({
  status: z.enum(COMPONENT_STATUSES, { error: `expected one of ${COMPONENT_STATUSES.join(', ')}` }).optional(),
  description: z.string().max(500, 'expected at most 500 characters').nullable().optional(),
  /** Outpost's own: hand the component back to automation (its probes decide again). */
  automated: z.literal(true).optional(),
});
