import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { fieldErrors, textField } from '../auth/forms.js';
import { AdminViews, type AdminSection } from '../auth/views.js';
import { OperationError } from '../operations/errors.js';
import { TemplateService } from '../operations/templates.js';
import { renderMarkdown } from '../render/markdown.js';
import type { Store } from '../store/index.js';
import type { IncidentTemplate, TemplateInput } from '../store/templates.js';
import { COMPONENT_STATUSES, IMPACTS, type ComponentStatus } from '../status/types.js';
import type { Clock } from '../util/time.js';
import { MAX_NAME, messageField, operatorActor as actor } from './admin-format.js';
import { componentField, FORM_STATUSES, INCIDENT_FORM_HELPERS, readForm, type FormState } from './admin-incidents.js';
import { goneNames, splitComponents, visibleOf } from './template-prefill.js';

export interface AdminTemplatesOptions {
  store: Store;
  clock: Clock;
  pageName: string;
}

const FIELDS = ['name', 'title', 'status', 'impact', 'message'];

const templateForm = z.object({
  name: z.string().trim().min(1, 'Enter a name to pick this template by.').max(MAX_NAME, `A name has at most ${MAX_NAME} characters.`),
  // Empty: the incident is named like the template.
  title: z.string().trim().max(MAX_NAME, `An incident name has at most ${MAX_NAME} characters.`),
  status: z.union([z.literal(''), z.enum(FORM_STATUSES)], { error: 'Choose a status from the list.' }),
  impact: z.union([z.literal(''), z.enum(IMPACTS)], { error: 'Choose an impact, or "from components".' }),
  message: messageField,
});
const componentStatus = z.union([z.literal(''), z.enum(COMPONENT_STATUSES)], { error: 'Choose a status from the list.' });

/** Admin pages for incident templates under /admin/templates, registered through adminAuth's `routes`. */
export function adminTemplates(opts: AdminTemplatesOptions): FastifyPluginAsync {
  return async (admin: FastifyInstance) => {
    const { store, clock } = opts;
    const service = new TemplateService(store, clock);
    const views = new AdminViews(opts.pageName);
    const section: AdminSection = 'templates';
    const helpers = {
      ...INCIDENT_FORM_HELPERS,
      componentName: (id: string) => store.components.get(id)?.name ?? id,
    };
    const find = (id: string): IncidentTemplate => {
      const template = store.templates.get(id);
      if (!template) throw new OperationError(404, `no template with id "${id}"`);
      return template;
    };

    admin.get('/templates', async (request, reply) => {
      const created = (request.query as Record<string, unknown>).saved;
      return views.send(request, reply, 200, 'templates', 'Incident templates', {
        templates: store.templates.list(),
        saved: typeof created === 'string' ? (store.templates.get(created) ?? null) : null,
        deleted: (request.query as Record<string, unknown>).deleted === '1',
        ...helpers,
      }, section);
    });

    /** The template form, new (template undefined) or editing; `gone` names entries that will be dropped on save. */
    const sendForm = (request: FastifyRequest, reply: FastifyReply, code: number, state: FormState, template?: IncidentTemplate, preview: string | null = null) => {
      const gone = template ? goneNames(store, splitComponents(template, visibleOf(store)).gone) : [];
      return views.send(request, reply, code, 'templates-form', template ? `Template: ${template.name}` : 'New template', {
        form: state,
        template: template ?? null,
        gone,
        preview,
        components: visibleOf(store),
        ...helpers,
      }, section);
    };

    const stateOf = (t: IncidentTemplate): FormState => ({
      values: { name: t.name, title: t.title, status: t.status ?? '', impact: t.impact ?? '', message: t.body },
      components: Object.fromEntries(splitComponents(t, visibleOf(store)).kept.map((c) => [c.componentId, c.status])),
      errors: {},
    });

    admin.get('/templates/new', async (request, reply) =>
      sendForm(request, reply, 200, { values: { name: '', title: '', status: '', impact: '', message: '' }, components: {}, errors: {} }),
    );

    admin.get<{ Params: { id: string } }>('/templates/:id', async (request, reply) => {
      const template = find(request.params.id);
      return sendForm(request, reply, 200, stateOf(template), template);
    });

    /** Reads and checks the form: the input, or undefined with the errors in `state`. */
    function parse(body: unknown, state: FormState): TemplateInput | undefined {
      const parsed = templateForm.safeParse(state.values);
      if (!parsed.success) Object.assign(state.errors, fieldErrors(parsed.error));
      const components: Record<string, ComponentStatus> = {};
      for (const [id, value] of Object.entries(state.components)) {
        const status = componentStatus.safeParse(value);
        if (!status.success) state.errors[componentField(id)] = status.error.issues[0]!.message;
        else if (status.data !== '') components[id] = status.data;
      }
      // A component field for a component not on the page: a stale form or a forged one.
      for (const key of Object.keys(body && typeof body === 'object' ? body : {})) {
        if (key.startsWith('component.') && !(key.slice('component.'.length) in state.components)) state.errors.components = 'A component in this form is no longer on the page; reload and try again.';
      }
      if (!parsed.success || Object.keys(state.errors).length > 0) return undefined;
      const { name, title, status, impact, message } = parsed.data;
      return { name, title, body: message, status: status === '' ? null : status, impact: impact === '' ? null : impact, components };
    }

    async function save(request: FastifyRequest, reply: FastifyReply, template?: IncidentTemplate) {
      const state = readForm(request.body, FIELDS, visibleOf(store));
      if (textField(request.body, 'action') === 'preview') return sendForm(request, reply, 200, state, template, renderMarkdown(state.values.message!));
      const input = parse(request.body, state);
      if (!input) return sendForm(request, reply, 422, state, template);
      try {
        const saved = template ? service.update(template.id, input, actor(request)) : service.create(input, actor(request));
        request.log.info({ templateId: saved.id, operatorId: request.operator!.id }, template ? 'admin: template changed' : 'admin: template created');
        return reply.redirect(`/admin/templates?saved=${encodeURIComponent(saved.id)}`, 303);
      } catch (err) {
        if (!(err instanceof OperationError)) throw err;
        state.errors[err.field ?? '_form'] = capitalise(err.message);
        return sendForm(request, reply, err.statusCode, state, template);
      }
    }

    admin.post('/templates', async (request, reply) => save(request, reply));
    admin.post<{ Params: { id: string } }>('/templates/:id', async (request, reply) => save(request, reply, find(request.params.id)));

    admin.post<{ Params: { id: string } }>('/templates/:id/delete', async (request, reply) => {
      const template = find(request.params.id);
      service.delete(template.id, actor(request));
      request.log.info({ templateId: template.id, operatorId: request.operator!.id }, 'admin: template deleted');
      return reply.redirect('/admin/templates?deleted=1', 303);
    });
  };
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1) + (s.endsWith('.') ? '' : '.');
}
