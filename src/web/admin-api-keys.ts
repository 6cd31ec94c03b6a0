import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { operatorActor } from '../auth/audit-store.js';
import { fieldErrors, textField, type FieldErrors } from '../auth/forms.js';
import { requireRole } from '../auth/guards.js';
import { ROLES } from '../auth/operator-store.js';
import { AdminViews } from '../auth/views.js';
import { ApiKeyService } from '../operations/api-keys.js';
import { OperationError } from '../operations/errors.js';
import type { ApiKey } from '../store/api-keys.js';
import type { Store } from '../store/index.js';
import type { Clock } from '../util/time.js';
import { formatHelpers } from './admin-format.js';

export interface AdminApiKeysOptions {
  store: Store;
  clock: Clock;
  pageName: string;
}

const MAX_KEY_NAME = 100;

export const apiKeyForm = z.object({
  name: z.string().trim().min(1, 'Name the key after what uses it, like "deploy bot".').max(MAX_KEY_NAME, `A name has at most ${MAX_KEY_NAME} characters.`),
  role: z.enum(ROLES, { error: 'Choose editor or admin.' }),
});

interface PageState {
  values?: { name: string; role: string };
  errors?: FieldErrors;
  /** The key just created: shown on this response only, never stored or shown again. */
  created?: { key: string; apiKey: ApiKey };
  revoked?: ApiKey;
  formError?: string;
}

/**
 * /admin/api-keys: management API keys listed (never the keys themselves), created (the key is
 * on the response page once) and revoked. Admins only; each write audited in its transaction.
 */
export function adminApiKeys(opts: AdminApiKeysOptions): FastifyPluginAsync {
  return async (admin: FastifyInstance) => {
    const { store } = opts;
    const service = new ApiKeyService(store, opts.clock);
    const views = new AdminViews(opts.pageName);
    const adminOnly = { preHandler: requireRole('admin') };

    const send = (request: FastifyRequest, reply: FastifyReply, code: number, state: PageState = {}) =>
      views.send(request, reply, code, 'api-keys', 'API keys', {
        keys: store.apiKeys.list(),
        values: state.values ?? { name: '', role: 'editor' },
        errors: state.errors ?? {},
        created: state.created ?? null,
        revoked: state.revoked ?? null,
        formError: state.formError ?? null,
        maxName: MAX_KEY_NAME,
        ...formatHelpers,
      }, 'api-keys');

    admin.get('/api-keys', adminOnly, async (request, reply) => {
      const revokedId = (request.query as Record<string, unknown>).revoked;
      const revoked = typeof revokedId === 'string' ? store.apiKeys.list().find((k) => k.id === revokedId && k.revokedAt !== null) : undefined;
      return send(request, reply, 200, { revoked });
    });

    // No redirect after success: the key exists only in this response, which no-store keeps out of caches.
    admin.post('/api-keys', adminOnly, async (request, reply) => {
      const values = { name: textField(request.body, 'name'), role: textField(request.body, 'role') };
      const parsed = apiKeyForm.safeParse(values);
      if (!parsed.success) return send(request, reply, 422, { values, errors: fieldErrors(parsed.error) });
      const created = service.create(parsed.data.name, parsed.data.role, operatorActor(request.operator!));
      request.log.info({ apiKeyId: created.apiKey.id, operatorId: request.operator!.id }, 'admin: API key created');
      return send(request, reply, 201, { created });
    });

    admin.post<{ Params: { id: string } }>('/api-keys/:id/revoke', adminOnly, async (request, reply) => {
      try {
        const revoked = service.revoke(request.params.id, operatorActor(request.operator!));
        request.log.info({ apiKeyId: revoked.id, operatorId: request.operator!.id }, 'admin: API key revoked');
        return reply.redirect(`/admin/api-keys?revoked=${encodeURIComponent(revoked.id)}`, 303);
      } catch (err) {
        if (!(err instanceof OperationError) || err.statusCode === 404) throw err;
        return send(request, reply, err.statusCode, { formError: err.message.charAt(0).toUpperCase() + err.message.slice(1) + '.' });
      }
    });
  };
}
