import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { AdminViews } from '../auth/views.js';
import type { FailureLayer, Outcome, ProbeResult } from '../probes/types.js';
import type { LagStats } from '../scheduler/host.js';
import type { Store } from '../store/index.js';
import type { Clock } from '../util/time.js';
import { ago, formatHelpers } from './admin-format.js';

export interface AdminProbesOptions {
  store: Store;
  clock: Clock;
  pageName: string;
  /** The scheduler's lag, once monitoring runs (server.ts starts it after the app is built). */
  probeLag?: () => LagStats | undefined;
}

/** One probe as operators see it: its confirmed outcome, streak, and what its last run saw. */
export interface ProbeView {
  id: string;
  type: string;
  /** The component it drives, by name; '(control)' for a control target. */
  component: string;
  confirmed: Outcome;
  confirmedSince: number | null;
  streak: string;
  lastRunAt: number | null;
  result: ProbeResult | null;
  /** The layer of the last failing result, when the probe is failing. */
  layer: FailureLayer | null;
  heartbeat: { token: { hint: string; rotatedAt: number } | null; ping: { at: number; ok: boolean; message: string | null } | null } | null;
}

/** Every visible probe with its state, from the store alone: the page never needs the config. */
export function probeViews(store: Store): ProbeView[] {
  const states = new Map(store.probes.states().map((s) => [s.probeId, s]));
  const names = new Map(store.components.list().map((c) => [c.id, c.name]));
  const tokens = store.heartbeats.tokens();
  return store.probes.list().map((p) => {
    const state = states.get(p.id);
    const result = state?.lastResult ?? null;
    const confirmed = state?.confirmed ?? 'up';
    return {
      id: p.id,
      type: p.type,
      component: p.control ? '(control)' : p.componentId ? (names.get(p.componentId) ?? p.componentId) : '',
      confirmed,
      confirmedSince: state ? state.confirmedSince : null,
      streak: state ? `${state.streakOutcome} × ${state.streak}` : '',
      lastRunAt: state?.lastRunAt ?? null,
      result,
      layer: confirmed !== 'up' ? (result?.layer ?? null) : null,
      heartbeat: p.type === 'heartbeat' ? { token: tokens.get(p.id) ?? null, ping: store.heartbeats.lastPing(p.id) ?? null } : null,
    };
  });
}

/** Counts for the dashboard: confirmed up, failing (anything else), and not run yet. */
export function probeSummary(probes: ProbeView[]) {
  const failing = probes.filter((p) => p.confirmed !== 'up');
  const notRun = probes.filter((p) => p.confirmed === 'up' && p.lastRunAt === null).length;
  return { total: probes.length, up: probes.length - failing.length - notRun, down: failing.length, notRun, failing };
}

/**
 * GET /admin/probes: every probe with phase timings, failing layer, raw error, each DNS resolver's
 * answer, heartbeat tokens and the scheduler's lag. It names targets and internal hosts, which is
 * why it lives behind the sign-in (any role) and nowhere else.
 */
export function adminProbes(opts: AdminProbesOptions): FastifyPluginAsync {
  return async (admin: FastifyInstance) => {
    const { store, clock } = opts;
    const views = new AdminViews(opts.pageName);
    admin.get('/probes', async (request, reply) => {
      const now = clock();
      const health = store.proberHealth.get();
      const lag = opts.probeLag?.();
      return views.send(request, reply, 200, 'probes', 'Probes', {
        probes: probeViews(store),
        impaired: health.impaired ? { since: health.since, reason: health.reason } : null,
        lag: lag && lag.count > 0 ? { p50: lag.percentile(0.5), p99: lag.percentile(0.99), n: lag.count } : null,
        ago: (ms: number) => ago(now - ms),
        ...formatHelpers,
      }, 'probes');
    });
  };
}
