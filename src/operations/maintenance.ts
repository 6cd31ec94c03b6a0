import type { ComponentStatus, Incident } from '../status/types.js';

const ACTIVE = new Set(['in_progress', 'verifying']);

/**
 * The component statuses a maintenance status change brings when the caller names none, whoever
 * moves it (the timer at the window's start, an operator's form, the management API), so that every
 * path leaves the same rows. `completed` needs nothing here: finishing releases what the window holds.
 *
 *   from                   to                       components
 *   scheduled, completed   in_progress, verifying   its components (those still on the page) under_maintenance
 *   in_progress            verifying, in_progress   none: already held
 *   any                    scheduled, completed     none
 */
export function windowComponents(
  maintenance: Pick<Incident, 'status' | 'componentIds'>,
  next: string | undefined,
  onPage: ReadonlySet<string>,
): Record<string, ComponentStatus> | undefined {
  if (next === undefined || !ACTIVE.has(next) || ACTIVE.has(maintenance.status)) return undefined;
  const ids = maintenance.componentIds.filter((id) => onPage.has(id));
  return ids.length > 0 ? Object.fromEntries(ids.map((id) => [id, 'under_maintenance' as const])) : undefined;
}
