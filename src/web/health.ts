import type { FastifyInstance } from 'fastify';
import type { Db } from '../db/open.js';
import type { Publisher } from '../render/publisher.js';
import type { Clock } from '../util/time.js';

/**
 * GET /healthz for Fly's check and load balancers: the database answers from its own schema (not a
 * `SELECT 1`, which never reads the file), and a snapshot is being served. A snapshot older than
 * `staleAfterMs` (rebuilds failing, or stuck) says so in the body, `status: "stale"`, with a 200
 * still: the last good page is worth serving, and with one machine a failing check would take it
 * off the proxy altogether. An unreadable database is a 503.
 */
export async function healthRoutes(app: FastifyInstance, opts: { db: Db; publisher: Publisher; clock: Clock; staleAfterMs: number }) {
  const ping = opts.db.prepare('SELECT max(version) AS version FROM schema_migrations');
  app.get('/healthz', (_request, reply) => {
    reply.header('cache-control', 'no-store');
    try {
      if ((ping.get() as { version: number | null }).version === null) throw new Error('no migration recorded');
    } catch (err) {
      app.log.error({ err }, 'health check: database query failed');
      return reply.code(503).send({ status: 'error', database: 'unavailable' });
    }
    const { snapshot } = opts.publisher.current;
    const ageMs = opts.clock() - snapshot.generatedAt;
    return reply.send({
      status: ageMs > opts.staleAfterMs ? 'stale' : 'ok',
      database: 'ok',
      snapshot_age_seconds: Math.round(ageMs / 1000),
      last_build_ms: Math.round(opts.publisher.stats.lastBuildMs * 10) / 10,
      rebuild_failures: opts.publisher.stats.failures,
    });
  });
}
