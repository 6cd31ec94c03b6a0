import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { UNSENT_FIELD, UNSENT_FORM_TTL_MS, type UnsentForm } from '../auth/unsent-form-store.js';
import { FORM_TOKEN_FIELD, AdminViews } from '../auth/views.js';
import type { Store } from '../store/index.js';
import type { Clock } from '../util/time.js';
import { formatHelpers, label } from './admin-format.js';

export interface AdminUnsentOptions {
  store: Store;
  clock: Clock;
  pageName: string;
}

/**
 * The forms worth keeping when posted after their session ended, by where they were posted, with
 * what each one is in words: what operators write during an outage. Never the operators', API keys'
 * or announcements' forms: a password or a key has no business waiting in a table, and granting
 * access is not something to send again with one click.
 */
const KINDS: [RegExp, string][] = [
  [/^\/admin\/incidents$/, 'New incident'],
  [/^\/admin\/incidents\/[^/]+\/updates$/, 'Update to'],
  [/^\/admin\/incidents\/[^/]+\/updates\/[^/]+\/edit$/, 'Corrected update of'],
  [/^\/admin\/incidents\/[^/]+\/updates\/[^/]+\/delete$/, 'Deleting an update of'],
  [/^\/admin\/incidents\/[^/]+\/publish$/, 'Publishing'],
  [/^\/admin\/incidents\/[^/]+\/postmortem$/, 'Postmortem of'],
  [/^\/admin\/maintenance$/, 'New maintenance window'],
  [/^\/admin\/maintenance\/[^/]+\/updates$/, 'Update to'],
  [/^\/admin\/maintenance\/[^/]+\/updates\/[^/]+\/edit$/, 'Corrected update of'],
  [/^\/admin\/maintenance\/[^/]+\/updates\/[^/]+\/delete$/, 'Deleting an update of'],
  [/^\/admin\/maintenance\/[^/]+\/window$/, 'New times for'],
  [/^\/admin\/maintenance\/[^/]+\/cancel$/, 'Cancelling'],
  [/^\/admin\/maintenance\/[^/]+\/delete$/, 'Deleting'],
  [/^\/admin\/components\/[^/]+\/status$/, 'Status of a component'],
  [/^\/admin\/components\/[^/]+\/hand-back$/, 'Handing a component back to its probes'],
  [/^\/admin\/templates(\/[^/]+)?$/, 'Template'],
  [/^\/admin\/templates\/[^/]+\/delete$/, 'Deleting a template'],
];

/** What a form posted to `action` is, in words, or undefined for a form that is never kept. */
export function unsentKind(action: string): string | undefined {
  const path = action.split('?')[0]!;
  return KINDS.find(([pattern]) => pattern.test(path))?.[1];
}

/** Field names as the forms label them; others are shown as they are named. */
const FIELD_LABELS: Record<string, string> = {
  name: 'Name',
  status: 'Status',
  impact: 'Impact',
  message: 'Message',
  body: 'Text',
  deliver_notifications: 'Announce',
  scheduled_for: 'Starts',
  scheduled_until: 'Ends',
};

/** Fields the forms carry for themselves, not for the operator to read (`action`: which button). */
const HIDDEN = new Set([FORM_TOKEN_FIELD, UNSENT_FIELD, 'form', 'action']);

/**
 * /admin/unsent: the forms this operator posted after their session ended (admin-auth keeps them),
 * each shown as it was filled in, to be sent again as it is (its own route checks it as on any day)
 * or discarded. Signing in leads here while any are kept.
 */
export function adminUnsent(opts: AdminUnsentOptions): FastifyPluginAsync {
  return async (admin: FastifyInstance) => {
    const { store, clock } = opts;
    const views = new AdminViews(opts.pageName);

    /** The incident or window a form was about, by the id in its address. */
    const subject = (action: string): string | undefined => {
      const id = /^\/admin\/(?:incidents|maintenance)\/([^/?]+)/.exec(action)?.[1];
      return id === undefined ? undefined : store.incidents.get(decodeURIComponent(id))?.name;
    };

    const componentName = (id: string) => store.components.get(id)?.name ?? id;
    /** A field as the form showed it: its label, and its value in words where it is a code. */
    const shownField = ([name, value]: [string, string]) => {
      if (name.startsWith('component.')) return { label: componentName(name.slice('component.'.length)), value: label(value) };
      if (name === 'components') return { label: 'Component', value: componentName(value) };
      if (name === 'keep') return { label: 'Keeps its status', value: componentName(value) };
      if (name === 'deliver_notifications') return { label: FIELD_LABELS[name]!, value: value === '1' ? 'Yes' : value };
      return { label: FIELD_LABELS[name] ?? name, value: name === 'status' || name === 'impact' ? label(value) : value };
    };

    const describe = (form: UnsentForm) => {
      const kind = unsentKind(form.action) ?? 'Form';
      const about = subject(form.action.split('?')[0]!);
      return {
        id: form.id,
        action: form.action,
        heading: about === undefined ? kind : `${kind} “${about}”`,
        at: form.at,
        fields: form.fields,
        shown: form.fields.filter(([name, value]) => !HIDDEN.has(name) && value !== '').map(shownField),
      };
    };

    const send = (request: FastifyRequest, reply: FastifyReply) =>
      views.send(request, reply, 200, 'unsent', 'Unsent forms', {
        forms: store.unsentForms.list(request.operator!.id, clock()).map(describe),
        keptMinutes: UNSENT_FORM_TTL_MS / 60_000,
        unsentField: UNSENT_FIELD,
        ...formatHelpers,
      });

    admin.get('/unsent', async (request, reply) => send(request, reply));

    admin.post<{ Params: { id: string } }>('/unsent/:id/discard', async (request, reply) => {
      store.unsentForms.delete(request.params.id, request.operator!.id);
      const left = store.unsentForms.list(request.operator!.id, clock()).length;
      return reply.redirect(left > 0 ? '/admin/unsent' : '/admin', 303);
    });
  };
}
