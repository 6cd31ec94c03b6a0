/**
 * Who holds a component's status, and how a status change made by an incident or a maintenance
 * window names it in its cause. One format, read by the store (holders), the operations that write
 * the holds, and the announcer (which leaves a change to the incident that made it).
 */

/** The holder, and the reason shown, of an incident's or a maintenance window's holds. */
export function holdReason(incidentId: string): string {
  return `incident ${incidentId}`;
}

/** The holder of a status an operator sets by hand (the admin's components page, API v1). */
export const OPERATOR_HOLD = 'operator';

/**
 * The incident or window a status change came from, read from its cause: its hold
 * ("incident <id>"), or its letting go ("incident <id>: recovered (...)", "incident <id> resolved (...)").
 */
export function incidentOfCause(cause: string): string | undefined {
  return /^incident ([a-z0-9]+)(?=$|[: ])/.exec(cause)?.[1];
}
