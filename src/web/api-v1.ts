import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { formatPath } from '../config/errors.js';
import { IncidentService, type Actor } from '../operations/incidents.js';
import { OperationError } from '../operations/errors.js';
import type { Publisher } from '../render/publisher.js';
import { serializers } from '../render/statuspage-json.js';
import type { Store } from '../store/index.js';
import type { ApiKey } from '../store/api-keys.js';
import type { Incident } from '../status/types.js';
import type { Clock } from '../util/time.js';
import { openApiDocument } from './api-v1-openapi.js';
import { incidentBody, componentBody, updateBody } from './api-v1-schemas.js';
import { logCompletedRequests } from './request-logger.js';

declare module 'fastify' {
  interface FastifyRequest {
    apiKey?: ApiKey;
  }
}

/**
 * The management API, shaped after Statuspage's v1 for what Outpost has, so that scripts and bots
 * written for Atlassian's API work with a new base URL and key. Writes go through IncidentService,
 * the same road as the admin forms; responses are read back from a fresh snapshot.
 */
export async function managementApi(app: FastifyInstance, opts: { store: Store; publisher: Publisher; clock: Clock; pageId: string }) {
  const { store, publisher, clock, pageId } = opts;
  const service = new IncidentService(store, clock);
  const base = `/api/v1/pages/:page_id`;

  app.get('/api/v1/openapi.json', (_request, reply) => reply.header('cache-control', 'no-store').send(openApiDocument(pageId)));

  app.register(async (scoped) => {
    logCompletedRequests(scoped);
    scoped.addHook('onRequest', async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const key = readKey(request.headers.authorization);
      const apiKey = key ? store.apiKeys.verify(key, clock()) : undefined;
      if (!apiKey) {
        return reply
          .code(401)
          .header('www-authenticate', 'OAuth realm="outpost"')
          .send({ error: 'unauthorized', message: key ? 'API key not recognised or revoked' : 'missing Authorization header: expected "OAuth <key>" or "Bearer <key>"' });
      }
      request.apiKey = apiKey;
      const params = request.params as { page_id?: string };
      if (params.page_id !== undefined && params.page_id !== pageId) {
        return reply.code(404).send({ error: 'not_found', message: `no page with id "${params.page_id}"` });
      }
    });

    const actor = (request: FastifyRequest): Actor => ({ kind: 'api_key', id: request.apiKey!.id, name: request.apiKey!.name });
    // After a write: rebuild now so the answer shows it. For a read: wait for any rebuild a write
    // already scheduled, never cause one (reads must not be a way to make the server work).
    const fresh = async () => {
      await publisher.rebuild();
      return serializers(publisher.current.snapshot);
    };
    const current = async () => {
      await publisher.idle();
      return serializers(publisher.current.snapshot);
    };
    const managementIncident = (json: ReturnType<typeof serializers>, i: Incident) => ({
      ...json.incident(i),
      impact_override: i.impactOverride,
      postmortem_body: i.postmortemBody,
      postmortem_published_at: i.postmortemPublishedAt === null ? null : new Date(i.postmortemPublishedAt).toISOString(),
      scheduled_auto_in_progress: i.scheduledAutoInProgress,
      scheduled_auto_completed: i.scheduledAutoCompleted,
      ...(i.kind === 'maintenance' ? {} : { scheduled_for: null, scheduled_until: null }),
    });
    const allIncidents = () => [...publisher.current.snapshot.incidents, ...publisher.current.snapshot.maintenances].sort((a, b) => b.createdAt - a.createdAt);
    // A draft (an automatic incident waiting for an operator) is not in the published snapshot, nor
    // in the list; addressed by its id it is found, so that a write to it answers with it, not a 404.
    const findIncident = (id: string) => {
      const incident = allIncidents().find((i) => i.id === id) ?? store.incidents.get(id);
      if (!incident) throw new OperationError(404, `no incident with id "${id}"`);
      return incident;
    };

    scoped.get(`${base}/incidents`, async (request: FastifyRequest<{ Querystring: { limit?: string; page?: string } }>) => {
      const json = await current();
      const limit = clampInt(request.query.limit, 100, 1, 100, 'limit');
      const page = clampInt(request.query.page, 1, 1, 100_000, 'page');
      return allIncidents().slice((page - 1) * limit, page * limit).map((i) => managementIncident(json, i));
    });

    scoped.post(`${base}/incidents`, async (request, reply) => {
      // A client retrying after a timeout sends the same Idempotency-Key: it gets the incident its
      // first request made, and no second one. (Statuspage has no such header; Outpost's own.)
      const idempotency = idempotencyKey(request.headers['idempotency-key']);
      const owner = `api:${request.apiKey!.id}`;
      if (idempotency) {
        const claim = store.formSubmissions.claim(owner, idempotency, clock(), bodyFingerprint(request.body));
        if (claim.kind === 'mismatch') {
          throw new OperationError(422, 'Idempotency-Key: this key was used for a request with another body; a new request needs a new key', 'Idempotency-Key');
        }
        if (claim.kind === 'pending') throw new OperationError(409, 'a request with this Idempotency-Key is still being carried out');
        if (claim.kind === 'done') return reply.code(200).send(managementIncident(await current(), findIncident(claim.location)));
      }
      try {
        const incident = createIncident(request);
        if (idempotency) store.formSubmissions.done(owner, idempotency, incident.id);
        const json = await fresh();
        return reply.code(201).send(managementIncident(json, findIncident(incident.id)));
      } catch (err) {
        if (idempotency) store.formSubmissions.release(owner, idempotency);
        throw err;
      }
    });

    const createIncident = (request: FastifyRequest) => {
      const input = parse(incidentBody, request.body, 'incident');
      const maintenance = input.scheduled_for !== undefined || input.scheduled_until !== undefined;
      if (maintenance && input.status !== undefined && input.status !== 'scheduled') {
        throw new OperationError(422, `incident.status: a new maintenance starts as scheduled (it moves on at scheduled_for, or by a PATCH); got "${input.status}"`, 'incident.status');
      }
      const incident =
        input.scheduled_for !== undefined || input.scheduled_until !== undefined
          ? service.createMaintenance(
              {
                name: input.name,
                body: input.body ?? '',
                scheduledFor: requireTime(input.scheduled_for, 'incident.scheduled_for'),
                scheduledUntil: requireTime(input.scheduled_until, 'incident.scheduled_until'),
                componentIds: [...new Set([...(input.component_ids ?? []), ...Object.keys(input.components ?? {})])],
                autoInProgress: input.scheduled_auto_in_progress,
                autoCompleted: input.scheduled_auto_completed,
                deliverNotifications: input.deliver_notifications,
              },
              actor(request),
            )
          : service.create(
              {
                name: input.name,
                status: incidentStatus(input.status ?? 'investigating'),
                body: input.body ?? '',
                components: input.components,
                componentIds: input.component_ids,
                impactOverride: input.impact_override,
                deliverNotifications: input.deliver_notifications,
              },
              actor(request),
            );
      return incident;
    };

    scoped.get(`${base}/incidents/:id`, async (request: FastifyRequest<{ Params: { id: string } }>) => {
      const json = await current();
      return managementIncident(json, findIncident(request.params.id));
    });

    const patch = async (request: FastifyRequest<{ Params: { id: string } }>) => {
      const input = parse(incidentBody.partial(), request.body, 'incident');
      const schedule = {
        scheduledFor: input.scheduled_for === undefined ? undefined : requireTime(input.scheduled_for, 'incident.scheduled_for'),
        scheduledUntil: input.scheduled_until === undefined ? undefined : requireTime(input.scheduled_until, 'incident.scheduled_until'),
        autoInProgress: input.scheduled_auto_in_progress,
        autoCompleted: input.scheduled_auto_completed,
        // A window's components, listed in full; an incident's come with their statuses (components).
        componentIds: input.component_ids,
      };
      if (input.component_ids !== undefined && findIncident(request.params.id).kind !== 'maintenance') {
        throw new OperationError(422, 'incident.component_ids: an incident names its components with their statuses, in incident.components', 'incident.component_ids');
      }
      // One request, one transaction: a moved window and its update land together or not at all.
      store.db.transaction(() => {
        if (Object.values(schedule).some((v) => v !== undefined)) service.reschedule(request.params.id, schedule, actor(request));
        service.update(
          request.params.id,
          {
            name: input.name,
            status: input.status,
            body: input.body,
            components: input.components,
            impactOverride: input.impact_override,
            deliverNotifications: input.deliver_notifications,
          },
          actor(request),
        );
      })();
      const json = await fresh();
      return managementIncident(json, findIncident(request.params.id));
    };
    scoped.patch(`${base}/incidents/:id`, patch);
    scoped.put(`${base}/incidents/:id`, patch);

    scoped.delete(`${base}/incidents/:id`, async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
      // Deleting takes an incident off the page and its history for good: an admin key's to do, as in the admin.
      if (request.apiKey!.role !== 'admin') return reply.code(403).send({ error: 'forbidden', message: 'deleting an incident takes an admin key; this key is an editor\'s' });
      const json = await current();
      const before = managementIncident(json, findIncident(request.params.id));
      service.delete(request.params.id, actor(request));
      await publisher.rebuild();
      return before;
    });

    scoped.get(`${base}/incidents/:id/incident_updates`, async (request: FastifyRequest<{ Params: { id: string } }>) => {
      const json = await current();
      return findIncident(request.params.id).updates.map(json.update);
    });

    scoped.patch(`${base}/incidents/:id/incident_updates/:update_id`, async (request: FastifyRequest<{ Params: { id: string; update_id: string } }>) => {
      const input = parse(updateBody, request.body, 'incident_update');
      service.editUpdateBody(request.params.id, request.params.update_id, input.body, actor(request));
      const json = await fresh();
      return json.update(findIncident(request.params.id).updates.find((u) => u.id === request.params.update_id)!);
    });

    scoped.get(`${base}/components`, async () => (await current()).components);

    const findComponent = (json: ReturnType<typeof serializers>, id: string) => {
      const component = json.componentById.get(id);
      if (!component) throw new OperationError(404, `no component with id "${id}"`);
      return component;
    };
    scoped.get(`${base}/components/:id`, async (request: FastifyRequest<{ Params: { id: string } }>) => findComponent(await current(), request.params.id));

    const patchComponent = async (request: FastifyRequest<{ Params: { id: string } }>) => {
      findComponent(serializers(publisher.current.snapshot), request.params.id);
      const input = parse(componentBody, request.body, 'component');
      // One request, one transaction: a status and a description land together or not at all.
      store.db.transaction(() => {
        if (input.description !== undefined) service.setComponentDescription(request.params.id, input.description?.trim() || null, actor(request));
        if (input.status !== undefined) service.setComponentStatus(request.params.id, input.status, 'set through the API', actor(request));
        if (input.automated === true) service.handBack(request.params.id, actor(request));
      })();
      return findComponent(await fresh(), request.params.id);
    };
    scoped.patch(`${base}/components/:id`, patchComponent);
    scoped.put(`${base}/components/:id`, patchComponent);
  });
}

/** `Authorization: OAuth <key>` as Statuspage does, or `Bearer <key>`. */
export function readKey(header: string | undefined): string | undefined {
  const match = /^(?:OAuth|Bearer)\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

function parse<T extends z.ZodType>(schema: T, body: unknown, root: string): z.infer<T> {
  const wrapped = z.object({ [root]: schema }).safeParse(body ?? {});
  if (wrapped.success) return (wrapped.data as Record<string, z.infer<T>>)[root]!;
  const errors = wrapped.error.issues.map((issue) => ({
    field: formatPath(issue.path) || root,
    message: issue.code === 'invalid_type' && issue.input === undefined ? `missing; expected ${issue.expected}` : issue.message,
  }));
  throw Object.assign(new OperationError(422, errors.map((e) => `${e.field}: ${e.message}`).join('; ')), { errors });
}

function requireTime(value: string | undefined, field: string): number {
  if (value === undefined) throw new OperationError(422, `${field}: missing; expected an ISO 8601 time`, field);
  return Date.parse(value);
}

function incidentStatus(status: string) {
  if (['investigating', 'identified', 'monitoring', 'resolved', 'postmortem'].includes(status)) return status as 'investigating';
  throw new OperationError(422, 'incident.status: expected investigating, identified, monitoring, resolved or postmortem', 'incident.status');
}

function clampInt(raw: string | undefined, fallback: number, min: number, max: number, field: string): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new OperationError(422, `${field}: expected an integer from ${min} to ${max}`, field);
  return n;
}

/**
 * What a request is, for telling a retry from another request under the same Idempotency-Key: the
 * SHA-256 of its parsed body with object keys sorted, so that the same JSON sent again with its keys
 * in another order is the same request.
 */
function bodyFingerprint(body: unknown): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value && typeof value === 'object') return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
    return value;
  };
  return createHash('sha256').update(JSON.stringify(canonical(body ?? null))).digest('base64url');
}

/** An Idempotency-Key header: 1 to 255 visible ASCII characters, else ignored. */
function idempotencyKey(header: string | string[] | undefined): string | undefined {
  return typeof header === 'string' && /^[\x21-\x7e]{1,255}$/.test(header) ? header : undefined;
}
