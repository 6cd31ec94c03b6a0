import type { ComponentStatus, Incident } from '../status/types.js';
import { DAY } from '../util/time.js';
import { OperationError } from './errors.js';

/** How far back a window may start: an operator may record one that began a little while ago, not last month's. */
export const MAX_PAST_START = DAY;
/** How far ahead a window may start; later is most likely a mistyped year. */
export const MAX_FUTURE_START = 2 * 365 * DAY;
/** The longest window; longer is most likely a mistyped month. */
export const MAX_LENGTH = 31 * DAY;

/**
 * The window rules every path applies (the admin's form names the field first, in its own words):
 * the end after the start and in the future, the start not more than a day ago nor more than two
 * years ahead, at most 31 days long. `started`: a window already under way keeps its start.
 */
export function checkWindowTimes(scheduledFor: number, scheduledUntil: number, now: number, started = false): void {
  if (!(scheduledUntil > scheduledFor)) throw new OperationError(422, 'expected scheduled_until after scheduled_for', 'scheduled_until');
  if (!started && scheduledFor < now - MAX_PAST_START) throw new OperationError(422, 'expected scheduled_for no more than 24 hours ago', 'scheduled_for');
  if (!started && scheduledFor > now + MAX_FUTURE_START) throw new OperationError(422, 'expected scheduled_for within the next two years', 'scheduled_for');
  if (scheduledUntil <= now) throw new OperationError(422, 'expected scheduled_until in the future', 'scheduled_until');
  if (scheduledUntil - scheduledFor > MAX_LENGTH) throw new OperationError(422, 'expected a window of at most 31 days', 'scheduled_until');
}

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
