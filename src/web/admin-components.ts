import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { fieldErrors, textField, type FieldErrors } from '../auth/forms.js';
import { AdminViews } from '../auth/views.js';
import { OperationError } from '../operations/errors.js';
import { IncidentService } from '../operations/incidents.js';
import type { Publisher } from '../render/publisher.js';
import type { Store } from '../store/index.js';
import { COMPONENT_STATUSES, type Component } from '../status/types.js';
import type { Clock } from '../util/time.js';
import { componentSections, probesSayer } from './admin-dashboard.js';
import { formatHelpers, operatorActor as actor } from './admin-format.js';

export interface AdminComponentsOptions {
  store: Store;
  clock: Clock;
  /** Rebuilt after each write so that the public page shows it when the redirect lands. */
  publisher: Publisher;
  pageName: string;
}

export const MAX_REASON = 500;

export const statusForm = z.object({
  status: z.enum(COMPONENT_STATUSES, { error: 'Choose a status from the list.' }),
  reason: z
    .string()
    .trim()
    .min(1, 'Say why: the reason is kept with the status and in the audit log.')
    .max(MAX_REASON, `A reason has at most ${MAX_REASON} characters.`),
});

/** The one component form shown again, with what was typed and the error beside each field. */
interface FormState {
  componentId: string;
  values: { status: string; reason: string };
  errors: FieldErrors;
}

/** Where a hand-back returns: the dashboard's button says so; anything else goes to the components page. */
const backTo = (body: unknown, componentId: string) =>
  textField(body, 'back') === 'dashboard' ? '/admin' : `/admin/components?changed=${encodeURIComponent(componentId)}#component-${encodeURIComponent(componentId)}`;

/**
 * /admin/components: each component's status as shown, what its probes say, and the override; a
 * form to set a status by hand (with a reason) and a button to hand it back to automation. Both go
 * through IncidentService, which audits them in the same transaction. Any signed-in operator.
 */
export function adminComponents(opts: AdminComponentsOptions): FastifyPluginAsync {
  return async (admin: FastifyInstance) => {
    const { store, clock, publisher } = opts;
    const service = new IncidentService(store, clock);
    const views = new AdminViews(opts.pageName);

    /** A component an operator may set: known, shown, not a group (a group's status follows its children). */
    const settable = (id: string): Component => {
      const component = store.components.get(id);
      if (!component || component.hidden || component.isGroup) throw new OperationError(404, `no component with id "${id}"`);
      return component;
    };

    const send = (request: FastifyRequest, reply: FastifyReply, code: number, form: FormState | null = null, formError: { componentId: string; message: string } | null = null) => {
      const query = request.query as Record<string, unknown>;
      const changed = typeof query.changed === 'string' ? store.components.get(query.changed) : undefined;
      return views.send(request, reply, code, 'components', 'Components', {
        sections: componentSections(store.components.list()),
        form,
        formError,
        changed: changed && !changed.hidden ? changed : null,
        // The card whose form is open: the one with errors, else the one a "Set status" link named.
        editing: form?.componentId ?? (typeof query.edit === 'string' ? query.edit : null),
        probesSay: probesSayer(store),
        statuses: COMPONENT_STATUSES,
        maxReason: MAX_REASON,
        ...formatHelpers,
      }, 'components');
    };

    type IdParams = { Params: { id: string } };

    admin.get('/components', async (request, reply) => send(request, reply, 200));

    admin.post<IdParams>('/components/:id/status', async (request, reply) => {
      const component = settable(request.params.id);
      const form: FormState = { componentId: component.id, values: { status: textField(request.body, 'status'), reason: textField(request.body, 'reason') }, errors: {} };
      const parsed = statusForm.safeParse(form.values);
      if (!parsed.success) return send(request, reply, 422, { ...form, errors: fieldErrors(parsed.error) });
      try {
        service.setComponentStatus(component.id, parsed.data.status, parsed.data.reason, actor(request));
      } catch (err) {
        if (!(err instanceof OperationError)) throw err;
        return send(request, reply, err.statusCode, { ...form, errors: { [err.field === 'status' ? 'status' : 'reason']: err.message } });
      }
      request.log.info({ componentId: component.id, status: parsed.data.status, operatorId: request.operator!.id }, 'admin: component status set by hand');
      await publisher.rebuild();
      return reply.redirect(`/admin/components?changed=${encodeURIComponent(component.id)}#component-${encodeURIComponent(component.id)}`, 303);
    });

    admin.post<IdParams>('/components/:id/hand-back', async (request, reply) => {
      const component = settable(request.params.id);
      if (!component.manual) {
        return send(request, reply, 409, null, { componentId: component.id, message: `${component.name} already follows its probes: there is nothing to hand back.` });
      }
      service.handBack(component.id, actor(request));
      request.log.info({ componentId: component.id, operatorId: request.operator!.id }, 'admin: component handed back to automation');
      await publisher.rebuild();
      return reply.redirect(backTo(request.body, component.id), 303);
    });
  };
}
