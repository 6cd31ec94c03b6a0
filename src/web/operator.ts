import { Eta } from 'eta';
import Fastify, { type FastifyInstance } from 'fastify';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import type { LagStats } from '../scheduler/host.js';
import type { Store } from '../store/index.js';
import { projectRoot } from '../util/paths.js';
import type { Clock } from '../util/time.js';
import { securityHeaders } from './security.js';

export interface OperatorDeps {
  config: Config;
  store: Store;
  clock: Clock;
  lag?: LagStats;
}

/**
 * The operator's view of every probe: phase timings, failing layer, raw error, each DNS resolver's
 * answer. It names targets and internal hosts, so it is a separate app that server.ts binds to the
 * loopback interface only (reach it with `fly proxy` or an SSH tunnel) until the admin login exists.
 */
export function buildOperatorApp(deps: OperatorDeps): FastifyInstance {
  const app = Fastify({ logger: false });
  const eta = new Eta({ views: join(projectRoot, 'views', 'operator'), cache: true, autoEscape: true, autoTrim: [false, 'nl'] });
  const headers = { ...securityHeaders({ html: true, hsts: false }), 'cache-control': 'no-store' };

  app.get('/', (_request, reply) => {
    const { store, config, clock } = deps;
    const now = clock();
    const states = new Map(store.probes.states().map((s) => [s.probeId, s]));
    const tokens = store.heartbeats.tokens();
    const probes = config.probes.map((p) => {
      const state = states.get(p.id);
      return {
        id: p.id,
        type: p.type,
        component: p.component ?? (p.control ? '(control)' : ''),
        confirmed: state?.confirmed ?? 'up',
        confirmedSince: state ? ago(now - state.confirmedSince) : '',
        streak: state ? `${state.streakOutcome} × ${state.streak}` : '',
        lastRun: state?.lastRunAt ? ago(now - state.lastRunAt) : 'never',
        result: state?.lastResult ?? null,
        heartbeat: p.type === 'heartbeat' ? { token: tokens.get(p.id) ?? null, ping: store.heartbeats.lastPing(p.id) } : null,
      };
    });
    const health = store.proberHealth.get();
    return reply
      .headers(headers)
      .type('text/html; charset=utf-8')
      .send(
        eta.render('./probes', {
          pageName: config.page.name,
          probes,
          impaired: health.impaired ? { since: new Date(health.since).toISOString(), reason: health.reason } : null,
          lag: deps.lag && deps.lag.count > 0 ? { p50: deps.lag.percentile(0.5), p99: deps.lag.percentile(0.99), n: deps.lag.count } : null,
          iso: (ms: number) => new Date(ms).toISOString(),
        }),
      );
  });
  return app;
}

function ago(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}
