import { z } from 'zod';
import { fieldErrors, textField, type FieldErrors } from '../auth/forms.js';
import { formatLocalTime, parseLocalTime } from '../util/local-time.js';
import { HOUR } from '../util/time.js';

/**
 * The maintenance window form, read and checked as a pure function of the body, the page's time
 * zone and now, so that every rule has a table test and what comes back on an error is what was sent.
 */

import { MAX_NAME, messageField } from './admin-format.js';
import { MAX_FUTURE_START, MAX_LENGTH, MAX_PAST_START } from '../operations/maintenance.js';
export { MAX_FUTURE_START, MAX_LENGTH, MAX_PAST_START };

/** The form as typed: text fields, and the checkboxes as '1' (checked) or '' (unchecked). */
export interface WindowFormState {
  values: Record<string, string>;
  componentIds: string[];
  errors: FieldErrors;
}

export interface WindowInput {
  name: string;
  message: string;
  scheduledFor: number;
  scheduledUntil: number;
  componentIds: string[];
  autoInProgress: boolean;
  autoCompleted: boolean;
  deliverNotifications: boolean;
}

export const TEXT_FIELDS = ['name', 'starts_at', 'ends_at', 'message'] as const;
export const SWITCHES = ['auto_in_progress', 'auto_completed', 'deliver_notifications'] as const;

const textSchema = z.object({
  name: z.string().trim().min(1, 'Enter a name for the maintenance.').max(MAX_NAME, `A name has at most ${MAX_NAME} characters.`),
  message: messageField,
});

/** Values of a repeated checkbox: absent, one string, or several. */
export function listField(body: unknown, field: string): string[] {
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>)[field] : undefined;
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** What the form sent. An unchecked checkbox sends nothing, so a switch is on only when its field is there. */
export function readWindowForm(body: unknown): WindowFormState {
  const values: Record<string, string> = Object.fromEntries(TEXT_FIELDS.map((f) => [f, textField(body, f)]));
  for (const s of SWITCHES) values[s] = textField(body, s) !== '' ? '1' : '';
  return { values, componentIds: [...new Set(listField(body, 'components'))], errors: {} };
}

/** The form as first shown: switches on, the window an hour from now for an hour, in the page's zone. */
export function blankWindowForm(now: number, timeZone: string): WindowFormState {
  const start = Math.ceil((now + HOUR) / HOUR) * HOUR;
  return {
    values: {
      name: '',
      starts_at: formatLocalTime(start, timeZone),
      ends_at: formatLocalTime(start + HOUR, timeZone),
      message: '',
      auto_in_progress: '1',
      auto_completed: '1',
      deliver_notifications: '1',
    },
    componentIds: [],
    errors: {},
  };
}

/** Reads one wall-clock field in the zone, or puts the reason it cannot beside that field. */
function readTime(state: WindowFormState, field: 'starts_at' | 'ends_at', timeZone: string): number | undefined {
  const text = state.values[field]!.trim();
  if (text === '') {
    state.errors[field] = field === 'starts_at' ? 'Enter when the window starts.' : 'Enter when the window ends.';
    return undefined;
  }
  const parsed = parseLocalTime(text, timeZone);
  if (parsed.ok) return parsed.ms;
  state.errors[field] =
    parsed.reason === 'gap'
      ? `${text.replace('T', ' ')} does not exist in ${timeZone}: the clocks go forward at that time. Choose a time after the change.`
      : 'Enter a date and time, like 2026-03-28 22:00.';
  return undefined;
}

/**
 * Checks the window: both times readable in the zone, the end after the start and in the future,
 * the start not more than a day ago nor more than two years ahead, at most 31 days long.
 * `fixedStart` is a started window's start, which no longer comes from the form.
 */
export function checkWindow(state: WindowFormState, timeZone: string, now: number, fixedStart?: number): { scheduledFor: number; scheduledUntil: number } | undefined {
  const start = fixedStart ?? readTime(state, 'starts_at', timeZone);
  const end = readTime(state, 'ends_at', timeZone);
  if (start !== undefined && fixedStart === undefined) {
    if (start < now - MAX_PAST_START) state.errors.starts_at = 'A window cannot start more than 24 hours ago.';
    else if (start > now + MAX_FUTURE_START) state.errors.starts_at = 'A window starts within the next two years; check the year.';
  }
  if (start !== undefined && end !== undefined && !state.errors.ends_at) {
    if (end <= start) state.errors.ends_at = 'The window must end after it starts.';
    else if (end <= now) state.errors.ends_at = 'This end has already passed; choose an end in the future.';
    else if (end - start > MAX_LENGTH) state.errors.ends_at = 'A window lasts at most 31 days; check the dates.';
  }
  if (start === undefined || end === undefined || state.errors.starts_at || state.errors.ends_at) return undefined;
  return { scheduledFor: start, scheduledUntil: end };
}

/** Checks the chosen components against those on the page. */
export function checkComponents(state: WindowFormState, onPage: ReadonlySet<string>): void {
  if (state.componentIds.some((id) => !onPage.has(id))) state.errors.components = 'A chosen component is no longer on the page; reload and choose again.';
}

/** The whole new-window form: the input for IncidentService.createMaintenance, or undefined with errors in `state`. */
export function parseNewWindow(state: WindowFormState, timeZone: string, now: number, onPage: ReadonlySet<string>): WindowInput | undefined {
  const text = textSchema.safeParse(state.values);
  if (!text.success) Object.assign(state.errors, fieldErrors(text.error));
  const window = checkWindow(state, timeZone, now);
  checkComponents(state, onPage);
  if (!text.success || !window || Object.keys(state.errors).length > 0) return undefined;
  return {
    name: text.data.name,
    message: text.data.message,
    ...window,
    componentIds: state.componentIds,
    autoInProgress: state.values.auto_in_progress === '1',
    autoCompleted: state.values.auto_completed === '1',
    deliverNotifications: state.values.deliver_notifications === '1',
  };
}

/** Only the name of the text fields (the edit form has no message). */
export function checkName(state: WindowFormState): string | undefined {
  const parsed = textSchema.pick({ name: true }).safeParse(state.values);
  if (parsed.success) return parsed.data.name;
  Object.assign(state.errors, fieldErrors(parsed.error));
  return undefined;
}
