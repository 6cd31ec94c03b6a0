import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { fieldErrors, textField, type FieldErrors } from '../auth/forms.js';
import { requireRole } from '../auth/guards.js';
import { AdminViews, type AdminSection } from '../auth/views.js';
import { OperationError } from '../operations/errors.js';
import { announcesByDefault, IncidentService } from '../operations/incidents.js';
import { renderMarkdown } from '../render/markdown.js';
import type { Publisher } from '../render/publisher.js';
import { holdReason } from '../status/holds.js';
import type { Store } from '../store/index.js';
import { MAINTENANCE_STATUSES, type Incident, type MaintenanceStatus } from '../status/types.js';
import { formatLocalTime, offsetLabel, parseLocalTime } from '../util/local-time.js';
import type { Clock } from '../util/time.js';
import { doneLocation, doneNotice, type Done, type DoneNotice } from './admin-done.js';
import { editUpdateForm, iso, label, MAX_BODY, MAX_NAME, messageField, operatorActor as actor, time } from './admin-format.js';
import {
  blankWindowForm,
  checkComponents,
  checkName,
  checkWindow,
  parseNewWindow,
  readWindowForm,
  type WindowFormState,
} from './maintenance-form.js';

export interface AdminMaintenanceOptions {
  store: Store;
  clock: Clock;
  /** Rebuilt after each write so that the public page shows it when the redirect lands. */
  publisher: Publisher;
  pageName: string;
  /** The page's IANA zone: the form's wall-clock times are read in it. */
  timeZone: string;
  /** How many announcement channels outpost.yaml configures: a notice says why an update was not announced. */
  channels?: number;
}

/** How many completed windows the list shows. */
const RECENT_LIMIT = 50;
const CANCEL_MESSAGE = 'This scheduled maintenance has been cancelled.';

const message = messageField;
const updateForm = z.object({
  status: z.enum(MAINTENANCE_STATUSES, { error: 'Choose scheduled, in progress, verifying or completed.' }),
  message,
});
const editForm = editUpdateForm;
const cancelForm = z.object({ message });

interface TextState {
  values: Record<string, string>;
  errors: FieldErrors;
}

const textState = (body: unknown, fields: string[]): TextState => ({ values: Object.fromEntries(fields.map((f) => [f, textField(body, f)])), errors: {} });

function validate<T extends z.ZodType>(schema: T, state: TextState): z.infer<T> | undefined {
  const parsed = schema.safeParse(state.values);
  if (parsed.success) return parsed.data;
  Object.assign(state.errors, fieldErrors(parsed.error));
  return undefined;
}

/** Admin pages for scheduled maintenance under /admin/maintenance, registered through adminAuth's `routes`. */
export function adminMaintenance(opts: AdminMaintenanceOptions): FastifyPluginAsync {
  return async (admin: FastifyInstance) => {
    const { store, clock, publisher, timeZone } = opts;
    const service = new IncidentService(store, clock);
    const views = new AdminViews(opts.pageName);
    const section: AdminSection = 'maintenance';

    const visibleComponents = () => store.components.list().filter((c) => !c.hidden && !c.isGroup);
    const onPage = () => new Set(visibleComponents().map((c) => c.id));
    const helpers = {
      label,
      /** A time as the page shows it, in its zone with the offset of that moment. */
      zoned: (ms: number) => `${formatLocalTime(ms, timeZone).replace('T', ' ')} (${offsetLabel(ms, timeZone)})`,
      utc: time,
      iso,
      markdown: renderMarkdown,
      componentName: (id: string) => store.components.get(id)?.name ?? id,
      timeZone,
      maxName: MAX_NAME,
      maxBody: MAX_BODY,
    };
    const find = (id: string): Incident => {
      const m = store.incidents.get(id);
      if (!m || m.kind !== 'maintenance') throw new OperationError(404, `no maintenance with id "${id}"`);
      return m;
    };
    const written = async (reply: FastifyReply, location: string) => {
      await publisher.rebuild();
      return reply.redirect(location, 303);
    };
    const pageOf = (m: Incident) => `/admin/maintenance/${encodeURIComponent(m.id)}`;

    admin.get('/maintenance', async (request, reply) => {
      const all = store.incidents.listAll().filter((i) => i.kind === 'maintenance');
      const bySchedule = (a: Incident, b: Incident) => a.scheduledFor! - b.scheduledFor!;
      const active = all.filter((m) => m.status === 'in_progress' || m.status === 'verifying').sort(bySchedule);
      const upcoming = all.filter((m) => m.status === 'scheduled').sort(bySchedule);
      const recent = all
        .filter((m) => m.status === 'completed')
        .sort((a, b) => (b.resolvedAt ?? b.scheduledUntil!) - (a.resolvedAt ?? a.scheduledUntil!))
        .slice(0, RECENT_LIMIT);
      return views.send(request, reply, 200, 'maintenance', 'Maintenance', { active, upcoming, recent, ...helpers, zoneNow: offsetLabel(clock(), timeZone) }, section);
    });

    const sendNew = (request: FastifyRequest, reply: FastifyReply, code: number, form: WindowFormState, preview: string | null = null) =>
      views.send(request, reply, code, 'maintenance-new', 'New maintenance', { form, preview, components: visibleComponents(), ...helpers, zoneNow: offsetLabel(clock(), timeZone) }, section);

    admin.get('/maintenance/new', async (request, reply) => sendNew(request, reply, 200, blankWindowForm(clock(), timeZone)));

    admin.post('/maintenance', async (request, reply) => {
      const form = readWindowForm(request.body);
      if (textField(request.body, 'action') === 'preview') return sendNew(request, reply, 200, form, renderMarkdown(form.values.message!));
      const input = parseNewWindow(form, timeZone, clock(), onPage());
      if (!input) return sendNew(request, reply, 422, form);
      try {
        const m = service.createMaintenance(
          {
            name: input.name,
            body: input.message,
            scheduledFor: input.scheduledFor,
            scheduledUntil: input.scheduledUntil,
            componentIds: input.componentIds,
            autoInProgress: input.autoInProgress,
            autoCompleted: input.autoCompleted,
            deliverNotifications: input.deliverNotifications,
          },
          actor(request),
        );
        request.log.info({ incidentId: m.id, operatorId: request.operator!.id }, 'admin: maintenance scheduled');
        return await written(reply, doneLocation(pageOf(m), 'scheduled', m));
      } catch (err) {
        if (!(err instanceof OperationError)) throw err;
        form.errors[fieldOf(err.field)] = capitalise(err.message);
        return sendNew(request, reply, err.statusCode, form);
      }
    });

    /** The window's form as it stands, for the edit card. */
    const windowState = (m: Incident): WindowFormState => ({
      values: {
        name: m.name,
        starts_at: formatLocalTime(m.scheduledFor!, timeZone),
        ends_at: formatLocalTime(m.scheduledUntil!, timeZone),
        message: '',
        auto_in_progress: m.scheduledAutoInProgress ? '1' : '',
        auto_completed: m.scheduledAutoCompleted ? '1' : '',
        deliver_notifications: '',
      },
      componentIds: m.componentIds,
      errors: {},
    });

    /** The maintenance page; `forms` carries the one form being shown again, with its values and errors. */
    const sendShow = (
      request: FastifyRequest,
      reply: FastifyReply,
      code: number,
      m: Incident,
      forms: { update?: TextState; window?: WindowFormState; cancel?: TextState; edit?: TextState & { updateId: string }; formError?: string; done?: DoneNotice | null } = {},
    ) => {
      const holding = new Set(store.components.heldBy(holdReason(m.id)));
      const held = store.components.list().filter((c) => holding.has(c.id));
      return views.send(request, reply, code, 'maintenance-show', m.name, {
        m,
        held,
        components: visibleComponents(),
        statuses: m.status === 'scheduled' ? MAINTENANCE_STATUSES : MAINTENANCE_STATUSES.filter((s) => s !== 'scheduled'),
        // Announced as the window was: a window created quietly stays quiet unless the operator says so.
        update: forms.update ?? { values: { status: nextStatus(m.status as MaintenanceStatus), message: '', deliver_notifications: announcesByDefault(m) ? '1' : '' }, errors: {} },
        window: forms.window ?? windowState(m),
        cancel: forms.cancel ?? { values: { message: CANCEL_MESSAGE }, errors: {} },
        edit: forms.edit ?? null,
        formError: forms.formError ?? null,
        done: forms.done ?? null,
        started: m.status !== 'scheduled',
        ...helpers,
        zoneNow: offsetLabel(clock(), timeZone),
      }, section);
    };

    type IdParams = { Params: { id: string } };
    type UpdateParams = { Params: { id: string; updateId: string } };

    admin.get<IdParams>('/maintenance/:id', async (request, reply) => {
      const m = find(request.params.id);
      return sendShow(request, reply, 200, m, { done: doneNotice(store, m, request.query, opts.channels ?? 0) });
    });

    admin.post<IdParams>('/maintenance/:id/updates', async (request, reply) => {
      const m = find(request.params.id);
      const state = textState(request.body, ['status', 'message', 'deliver_notifications']);
      const input = validate(updateForm, state);
      // Back to "scheduled" after the start would have the timer start it again at once.
      if (input && input.status === 'scheduled' && m.status !== 'scheduled') state.errors.status = 'This maintenance has started; it cannot go back to scheduled.';
      if (!input || Object.keys(state.errors).length > 0) return sendShow(request, reply, 422, m, { update: state });
      const deliverNotifications = state.values.deliver_notifications === '1';
      return attempt(request, reply, m, { update: state }, 'posted', () => service.update(m.id, { status: input.status, body: input.message, deliverNotifications }, actor(request)));
    });

    admin.post<IdParams>('/maintenance/:id/cancel', async (request, reply) => {
      const m = find(request.params.id);
      const state = textState(request.body, ['message']);
      const input = validate(cancelForm, state);
      if (!input) return sendShow(request, reply, 422, m, { cancel: state });
      if (m.status !== 'scheduled') return sendShow(request, reply, 409, m, { cancel: state, formError: 'This maintenance has already started; post a "completed" update to end it.' });
      return attempt(request, reply, m, { cancel: state }, 'cancelled', () => service.update(m.id, { status: 'completed', body: input.message || CANCEL_MESSAGE, deliverNotifications: announcesByDefault(m) }, actor(request)));
    });

    admin.post<IdParams>('/maintenance/:id/window', async (request, reply) => {
      const m = find(request.params.id);
      const started = m.status !== 'scheduled';
      const form = readWindowForm(request.body);
      // Fields a started window no longer offers keep their value.
      if (started) {
        form.values.starts_at = formatLocalTime(m.scheduledFor!, timeZone);
        form.values.auto_in_progress = m.scheduledAutoInProgress ? '1' : '';
        form.componentIds = m.componentIds;
      }
      const name = checkName(form);
      // An unchanged start is not held to "at most a day ago": renaming a window that waits for an operator must work.
      const typedStart = parseLocalTime(form.values.starts_at!, timeZone);
      const keepStart = started || (typedStart.ok && typedStart.ms === m.scheduledFor);
      const window = checkWindow(form, timeZone, clock(), keepStart ? m.scheduledFor! : undefined);
      if (!started) checkComponents(form, onPage());
      if (name === undefined || !window || Object.keys(form.errors).length > 0) return sendShow(request, reply, 422, m, { window: form });
      return attempt(request, reply, m, { window: form }, 'rescheduled', () =>
        service.reschedule(
          m.id,
          {
            name,
            scheduledFor: window.scheduledFor,
            scheduledUntil: window.scheduledUntil,
            autoCompleted: form.values.auto_completed === '1',
            ...(started ? {} : { autoInProgress: form.values.auto_in_progress === '1', componentIds: form.componentIds }),
          },
          actor(request),
        ),
      );
    });

    admin.post<UpdateParams>('/maintenance/:id/updates/:updateId/edit', async (request, reply) => {
      const m = find(request.params.id);
      const state = { ...textState(request.body, ['body']), updateId: request.params.updateId };
      const input = validate(editForm, state);
      if (!input) return sendShow(request, reply, 422, m, { edit: state });
      return attempt(request, reply, m, { edit: state }, 'corrected', () => service.editUpdateBody(m.id, request.params.updateId, input.body, actor(request)));
    });

    admin.post<UpdateParams>('/maintenance/:id/updates/:updateId/delete', async (request, reply) => {
      const m = find(request.params.id);
      return attempt(request, reply, m, {}, 'deleted', () => service.deleteUpdate(m.id, request.params.updateId, actor(request)));
    });

    // As an incident, and as through the API: only an admin deletes.
    admin.post<IdParams>('/maintenance/:id/delete', { preHandler: requireRole('admin') }, async (request, reply) => {
      const m = find(request.params.id);
      service.delete(m.id, actor(request));
      request.log.info({ incidentId: m.id, operatorId: request.operator!.id }, 'admin: maintenance deleted');
      return written(reply, '/admin/maintenance');
    });

    /**
     * Runs one service call and leads to the maintenance page saying it was `done` (with the
     * announcement of the update it made, if it made one); its OperationError comes back on the
     * maintenance page, beside the form that caused it.
     */
    async function attempt(request: FastifyRequest, reply: FastifyReply, m: Incident, forms: Parameters<typeof sendShow>[4] & object, done: Done, action: () => Incident) {
      let result: Incident;
      try {
        result = action();
      } catch (err) {
        if (!(err instanceof OperationError)) throw err;
        if (forms.window && err.field) {
          forms.window.errors[fieldOf(err.field)] = capitalise(err.message);
          return sendShow(request, reply, err.statusCode, find(m.id), forms);
        }
        return sendShow(request, reply, err.statusCode, find(m.id), { ...forms, formError: capitalise(err.message) });
      }
      request.log.info({ incidentId: m.id, operatorId: request.operator!.id, url: request.url }, 'admin: maintenance changed');
      return written(reply, doneLocation(pageOf(m), done, result));
    }
  };
}

/** The status the update form proposes: the next step of the window. */
function nextStatus(status: MaintenanceStatus): MaintenanceStatus {
  return status === 'scheduled' ? 'in_progress' : status === 'in_progress' ? 'verifying' : status === 'verifying' ? 'completed' : 'completed';
}

/** The form field an OperationError's API field name is about. */
function fieldOf(field: string | undefined): string {
  switch (field) {
    case 'scheduled_for':
      return 'starts_at';
    case 'scheduled_until':
      return 'ends_at';
    case 'scheduled_auto_in_progress':
      return 'auto_in_progress';
    case 'components':
      return 'components';
    default:
      return '_form';
  }
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1) + (s.endsWith('.') ? '' : '.');
}
