import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { fieldErrors, textField, type FieldErrors } from '../auth/forms.js';
import { requireRole } from '../auth/guards.js';
import { AdminViews, type AdminSection } from '../auth/views.js';
import { OperationError } from '../operations/errors.js';
import { IncidentService, type ComponentChanges } from '../operations/incidents.js';
import { renderMarkdown } from '../render/markdown.js';
import type { Publisher } from '../render/publisher.js';
import { holdReason } from '../status/holds.js';
import type { Store } from '../store/index.js';
import { COMPONENT_STATUSES, IMPACTS, UNRESOLVED_INCIDENT_STATUSES, type Component, type Incident, type IncidentStatus } from '../status/types.js';
import type { Clock } from '../util/time.js';
import { doneLocation, doneNotice, type Done, type DoneNotice } from './admin-done.js';
import { editUpdateForm, iso, label, MAX_BODY, MAX_NAME, messageField, operatorActor as actor, time } from './admin-format.js';
import { templatePrefill } from './template-prefill.js';

export interface AdminIncidentsOptions {
  store: Store;
  clock: Clock;
  /** Rebuilt after each write so that the public page shows it when the redirect lands, as after an API write. */
  publisher: Publisher;
  pageName: string;
  /** How many announcement channels outpost.yaml configures: a notice says why an update was not announced. */
  channels?: number;
}

/** The statuses an operator picks on a form; postmortem has its own form. */
export const FORM_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved'] as const satisfies readonly IncidentStatus[];
/** How many finished incidents the list shows below the open ones. */
const RECENT_LIMIT = 50;

const name = z.string().trim().min(1, 'Enter a name for the incident.').max(MAX_NAME, `A name has at most ${MAX_NAME} characters.`);
const status = z.enum(FORM_STATUSES, { error: 'Choose investigating, identified, monitoring or resolved.' });
const message = messageField;
const impact = z.union([z.literal(''), z.enum(IMPACTS)], { error: 'Choose an impact, or "from components".' });
const componentStatus = z.union([z.literal(''), z.enum(COMPONENT_STATUSES)], { error: 'Choose a status from the list.' });

const EMPTY_UPDATE = 'Write what customers should know.';
/** Statuspage's words when an incident is resolved without any. */
const RESOLVED_MESSAGE = 'This incident has been resolved.';
const newIncidentForm = z.object({ name, status, impact, message: message.refine((m) => m.trim() !== '', EMPTY_UPDATE) });
const updateForm = z.object({ status, message });
const editForm = editUpdateForm;
const postmortemForm = z.object({ body: message });

/** What a form sends back when it is shown again: the typed values, the component choices, the errors beside each field. */
export interface FormState {
  values: Record<string, string>;
  components: Record<string, string>;
  errors: FieldErrors;
}

/** The form field of a component's status choice. */
export const componentField = (id: string) => `component.${id}`;

/**
 * Reads a form: its text fields as typed, and one "status at this update" per visible component
 * ('' is "no change"). Pure over the parsed body, so that what comes back on an error is exactly
 * what was sent.
 */
export function readForm(body: unknown, fields: string[], components: Component[]): FormState {
  const values = Object.fromEntries(fields.map((f) => [f, textField(body, f)]));
  const chosen = Object.fromEntries(components.map((c) => [c.id, textField(body, componentField(c.id))]));
  return { values, components: chosen, errors: {} };
}

/** The component changes of a form, or errors keyed by the component's field. */
function componentChanges(state: FormState): ComponentChanges {
  const changes: ComponentChanges = {};
  for (const [id, value] of Object.entries(state.components)) {
    const parsed = componentStatus.safeParse(value);
    if (!parsed.success) state.errors[componentField(id)] = parsed.error.issues[0]!.message;
    else if (parsed.data !== '') changes[id] = parsed.data;
  }
  return changes;
}

function validate<T extends z.ZodType>(schema: T, state: FormState): z.infer<T> | undefined {
  const parsed = schema.safeParse(state.values);
  if (parsed.success) return parsed.data;
  Object.assign(state.errors, fieldErrors(parsed.error));
  return undefined;
}

/** Values of a repeated checkbox: absent, one string, or several. */
function listField(body: unknown, field: string): string[] {
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>)[field] : undefined;
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

const emptyState = (values: Record<string, string>): FormState => ({ values, components: {}, errors: {} });

/** The "announce on the channels" checkbox: ticked by default, so leaving it alone announces. */
const announce = (state: FormState): boolean => state.values.deliver_notifications === '1';

/** What the incident forms' views need (the incident pages and the template pages share them). */
export const INCIDENT_FORM_HELPERS = {
  label,
  componentField,
  statuses: FORM_STATUSES,
  componentStatuses: COMPONENT_STATUSES,
  impacts: IMPACTS,
  maxName: MAX_NAME,
  maxBody: MAX_BODY,
};

/** The admin pages for incidents under /admin/incidents, registered through adminAuth's `routes`. */
export function adminIncidents(opts: AdminIncidentsOptions): FastifyPluginAsync {
  return async (admin: FastifyInstance) => {
    const { store, clock, publisher } = opts;
    const service = new IncidentService(store, clock);
    const views = new AdminViews(opts.pageName);
    // Until AdminSection in src/auth/views.ts names it, the layout still highlights the link by this string.
    const section: AdminSection = 'incidents';

    const visibleComponents = () => store.components.list().filter((c) => !c.hidden && !c.isGroup);
    const helpers = { ...INCIDENT_FORM_HELPERS, time, iso, markdown: renderMarkdown };
    const findIncident = (id: string): Incident => {
      const incident = store.incidents.get(id);
      if (!incident || incident.kind !== 'incident') throw new OperationError(404, `no incident with id "${id}"`);
      return incident;
    };
    const pageOf = (incident: Incident) => `/admin/incidents/${encodeURIComponent(incident.id)}`;
    const written = async (reply: FastifyReply, location: string) => {
      await publisher.rebuild();
      return reply.redirect(location, 303);
    };

    admin.get('/incidents', async (request, reply) => {
      const incidents = store.incidents.listAll().filter((i) => i.kind === 'incident');
      const open = incidents.filter((i) => (UNRESOLVED_INCIDENT_STATUSES as readonly string[]).includes(i.status));
      const recent = incidents.filter((i) => !open.includes(i)).slice(0, RECENT_LIMIT);
      const deleted = (request.query as Record<string, unknown>).deleted === '1';
      return views.send(request, reply, 200, 'incidents', 'Incidents', { open, recent, deleted, ...helpers }, section);
    });

    const sendNew = (request: FastifyRequest, reply: FastifyReply, code: number, state: FormState, preview: string | null = null, template: { id: string; note: string | null } = { id: '', note: null }) =>
      views.send(request, reply, code, 'incidents-new', 'New incident', { form: state, preview, components: visibleComponents(), templates: store.templates.list(), template, ...helpers }, section);

    // ?template=<id> starts from an incident template (src/web/template-prefill.ts).
    admin.get('/incidents/new', async (request, reply) => {
      const prefill = templatePrefill(store, (request.query as Record<string, unknown>).template);
      if (prefill) return sendNew(request, reply, 200, prefill.state, null, { id: prefill.templateId, note: prefill.note });
      return sendNew(request, reply, 200, { values: { name: '', status: 'investigating', impact: '', message: '', deliver_notifications: '1' }, components: {}, errors: {} });
    });

    admin.post('/incidents', async (request, reply) => {
      const components = visibleComponents();
      const state = readForm(request.body, ['name', 'status', 'impact', 'message', 'deliver_notifications'], components);
      if (textField(request.body, 'action') === 'preview') return sendNew(request, reply, 200, state, renderMarkdown(state.values.message!));
      const input = validate(newIncidentForm, state);
      const changes = componentChanges(state);
      if (!input || Object.keys(state.errors).length > 0) return sendNew(request, reply, 422, state);
      try {
        const incident = service.create(
          {
            name: input.name,
            status: input.status,
            body: input.message,
            components: changes,
            impactOverride: input.impact === '' ? null : input.impact,
            deliverNotifications: announce(state),
          },
          actor(request),
        );
        request.log.info({ incidentId: incident.id, operatorId: request.operator!.id }, 'admin: incident created');
        return await written(reply, doneLocation(pageOf(incident), 'created', incident));
      } catch (err) {
        if (!(err instanceof OperationError)) throw err;
        state.errors[err.field ?? '_form'] = err.message;
        return sendNew(request, reply, err.statusCode, state);
      }
    });

    /** The incident page; `forms` carries the one form being shown again, with its values and errors. */
    const sendIncident = (
      request: FastifyRequest,
      reply: FastifyReply,
      code: number,
      incident: Incident,
      forms: { update?: FormState; resolve?: FormState; postmortem?: FormState; edit?: FormState & { updateId: string }; formError?: string; done?: DoneNotice | null } = {},
    ) => {
      const holding = new Set(store.components.heldBy(holdReason(incident.id)));
      const held = store.components.list().filter((c) => holding.has(c.id));
      return views.send(request, reply, code, 'incidents-show', incident.name, {
        incident,
        components: visibleComponents(),
        held,
        update: forms.update ?? { values: { status: incident.status === 'postmortem' ? 'resolved' : incident.status, message: '', deliver_notifications: '1' }, components: {}, errors: {} },
        resolve: forms.resolve ?? emptyState({ status: 'resolved', message: '', deliver_notifications: '1' }),
        postmortem: forms.postmortem ?? emptyState({ body: incident.postmortemBody ?? '' }),
        edit: forms.edit ?? null,
        formError: forms.formError ?? null,
        done: forms.done ?? null,
        ...helpers,
      }, section);
    };

    type IdParams = { Params: { id: string } };
    type UpdateParams = { Params: { id: string; updateId: string } };

    admin.get<IdParams>('/incidents/:id', async (request, reply) => {
      const incident = findIncident(request.params.id);
      return sendIncident(request, reply, 200, incident, { done: doneNotice(store, incident, request.query, opts.channels ?? 0) });
    });

    // "Post update" and "Resolve" both post here; `form` says which one to show again on an error.
    admin.post<IdParams>('/incidents/:id/updates', async (request, reply) => {
      const incident = findIncident(request.params.id);
      const resolving = textField(request.body, 'form') === 'resolve';
      const state = readForm(request.body, ['status', 'message', 'deliver_notifications'], resolving ? [] : visibleComponents());
      const forms = resolving ? { resolve: state } : { update: state };
      const input = validate(updateForm, state);
      const changes = componentChanges(state);
      // An update says something (an empty one was posted and announced); resolving may leave it to the usual words.
      if (input && !resolving && input.message.trim() === '') state.errors.message = EMPTY_UPDATE;
      if (!input || Object.keys(state.errors).length > 0) return sendIncident(request, reply, 422, incident, forms);
      const keep = listField(request.body, 'keep');
      const done = input.status === 'resolved' ? 'resolved' : 'posted';
      return attempt(request, reply, incident, forms, done, () =>
        service.update(
          incident.id,
          {
            status: input.status,
            body: input.message.trim() === '' ? RESOLVED_MESSAGE : input.message,
            components: Object.keys(changes).length > 0 ? changes : undefined,
            keepComponents: input.status === 'resolved' ? keep : undefined,
            deliverNotifications: announce(state),
          },
          actor(request),
        ),
      );
    });

    admin.post<UpdateParams>('/incidents/:id/updates/:updateId/edit', async (request, reply) => {
      const incident = findIncident(request.params.id);
      const state = { ...readForm(request.body, ['body'], []), updateId: request.params.updateId };
      const input = validate(editForm, state);
      if (!input) return sendIncident(request, reply, 422, incident, { edit: state });
      return attempt(request, reply, incident, { edit: state }, 'corrected', () => service.editUpdateBody(incident.id, request.params.updateId, input.body, actor(request)));
    });

    admin.post<UpdateParams>('/incidents/:id/updates/:updateId/delete', async (request, reply) => {
      const incident = findIncident(request.params.id);
      return attempt(request, reply, incident, {}, 'deleted', () => service.deleteUpdate(incident.id, request.params.updateId, actor(request)));
    });

    // As through the API, only an admin deletes: an editor can correct or resolve, not make an incident vanish.
    admin.post<IdParams>('/incidents/:id/delete', { preHandler: requireRole('admin') }, async (request, reply) => {
      const incident = findIncident(request.params.id);
      service.delete(incident.id, actor(request));
      request.log.info({ incidentId: incident.id, operatorId: request.operator!.id }, 'admin: incident deleted');
      return written(reply, '/admin/incidents?deleted=1');
    });

    admin.post<IdParams>('/incidents/:id/publish', async (request, reply) => {
      const incident = findIncident(request.params.id);
      return attempt(request, reply, incident, {}, 'published', () => service.publish(incident.id, actor(request)));
    });

    admin.post<IdParams>('/incidents/:id/postmortem', async (request, reply) => {
      const incident = findIncident(request.params.id);
      const state = readForm(request.body, ['body'], []);
      const input = validate(postmortemForm, state);
      if (!input) return sendIncident(request, reply, 422, incident, { postmortem: state });
      return attempt(request, reply, incident, { postmortem: state }, 'postmortem', () => service.setPostmortem(incident.id, input.body, actor(request)));
    });

    /**
     * Runs one service call and leads to the incident page saying it was `done` (with the announcement
     * of the update it made, if it made one); its OperationError comes back on the incident page,
     * beside the form that caused it.
     */
    async function attempt(
      request: FastifyRequest,
      reply: FastifyReply,
      incident: Incident,
      forms: Parameters<typeof sendIncident>[4] & object,
      done: Done,
      action: () => Incident,
    ) {
      let result: Incident;
      try {
        result = action();
      } catch (err) {
        if (!(err instanceof OperationError)) throw err;
        return sendIncident(request, reply, err.statusCode, findIncident(incident.id), { ...forms, formError: capitalise(err.message) });
      }
      request.log.info({ incidentId: incident.id, operatorId: request.operator!.id, url: request.url }, 'admin: incident changed');
      return written(reply, doneLocation(pageOf(incident), done, result));
    }
  };
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1) + (s.endsWith('.') ? '' : '.');
}
