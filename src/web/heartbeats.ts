import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Monitor } from '../monitoring/monitor.js';
import type { Store } from '../store/index.js';
import type { Clock } from '../util/time.js';

const MAX_MESSAGE = 500;

/** What the job said: `?status=fail`, a JSON body `{ "status": "fail", "message": "..." }`, or a text body starting with "fail". */
export function readCheckIn(query: Record<string, unknown>, body: unknown): { ok: boolean; message: string | null } {
  let status = typeof query.status === 'string' ? query.status : undefined;
  let message: string | null = typeof query.message === 'string' ? query.message : null;
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    if (typeof b.status === 'string') status = b.status;
    if (typeof b.message === 'string') message = b.message;
  } else if (typeof body === 'string' && body.trim() !== '') {
    const text = body.trim();
    if (/^(fail|failed|failure|error)\b/i.test(text)) status = 'fail';
    message = text;
  }
  const ok = !status || !/^(fail|failed|failure|error|down)$/i.test(status);
  return { ok, message: message === null ? null : message.slice(0, MAX_MESSAGE) };
}

/**
 * POST or GET /api/v1/heartbeats/:token. The watched job calls this when it runs; `?status=fail`
 * reports failure at once. The token is the only credential, so an unknown one answers 404 without
 * saying more, and request logging is off for this path (the token is in the URL).
 */
export async function heartbeatRoutes(app: FastifyInstance, opts: { store: Store; monitor: Monitor; clock: Clock }) {
  const handler = (request: FastifyRequest<{ Params: { token: string }; Querystring: Record<string, unknown> }>, reply: FastifyReply) => {
    reply.header('cache-control', 'no-store');
    const probeId = opts.store.heartbeats.probeForToken(request.params.token);
    if (!probeId) return reply.code(404).send({ error: 'not_found', message: 'unknown heartbeat token' });
    const { ok, message } = readCheckIn(request.query, request.body);
    opts.store.heartbeats.recordPing(probeId, { at: opts.clock(), ok, message });
    opts.monitor.judgeHeartbeats([probeId]);
    return reply.send({ ok: true, status: ok ? 'ok' : 'fail' });
  };
  app.get('/api/v1/heartbeats/:token', handler);
  app.post('/api/v1/heartbeats/:token', { bodyLimit: 16 * 1024 }, handler);
}
