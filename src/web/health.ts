import type { FastifyInstance } from 'fastify';
import type { Db } from '../db/open.js';
import type { Publisher } from '../render/publisher.js';
import type { Clock } from '../util/time.js';

/** GET /healthz for Fly's check and load balancers: the database answers and a snapshot is being served. */
export async function healthRoutes(app: FastifyInstance, opts: { db: Db; publisher: Publisher; clock: Clock }) {
  const ping = opts.db.prepare('SELECT 1 AS ok');
  app.get('/healthz', (_request, reply) => {
    reply.header('cache-control', 'no-store');
    try {
      ping.get();
    } catch (err) {
      app.log.error({ err }, 'health check: database query failed');
      return reply.code(503).send({ status: 'error', database: 'unavailable' });
    }
    const { snapshot } = opts.publisher.current;
    return reply.send({
      status: 'ok',
      database: 'ok',
      snapshot_age_seconds: Math.round((opts.clock() - snapshot.generatedAt) / 1000),
      last_build_ms: Math.round(opts.publisher.stats.lastBuildMs * 10) / 10,
    });
  });
}
