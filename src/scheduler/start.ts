import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/schema.js';
import { isNetworkProbe } from '../probes/registry.js';
import { MINUTE, type Clock } from '../util/time.js';
import { IncidentService } from '../operations/incidents.js';
import { ProberHost } from './host.js';

export interface Monitoring {
  host: ProberHost;
  stop(): Promise<void>;
}

const HEARTBEAT_CHECK_MS = 15_000;
const HOUSEKEEPING_MS = 5 * MINUTE;
const MAINTENANCE_CHECK_MS = 15_000;
/** Announcements sent or failed are kept this long, for the admin's delivery history and replies in a thread. */
const OUTBOX_RETENTION_MS = 90 * 86_400_000;
/** Rows deleted per slice of housekeeping (p95s computed: a twentieth of that, each reads an hour of results). */
const HOUSEKEEPING_SLICE = 2000;

/**
 * Starts the automated half: the probe worker, the heartbeat judge and the housekeeping of results
 * (hourly p95, retention). Called by server.ts after the app is built; tests drive the monitor directly.
 */
export function startMonitoring(app: FastifyInstance, config: Config, clock: Clock): Monitoring {
  const { monitor, store } = app;
  const maintenance = new IncidentService(store, clock);
  const host = new ProberHost({
    probes: config.probes.filter(isNetworkProbe),
    concurrency: config.monitoring.concurrency,
    onReports: (reports) => {
      try {
        monitor.handle(reports.map((r) => ({ probeId: r.probeId, at: r.startedAt, result: r.result })));
      } catch (err) {
        app.log.error({ err }, 'storing probe results failed');
      }
    },
    // The stack names our code, never the target.
    onBug: (probeId, error) => app.log.error({ probeId, error }, 'probe threw: a bug in Outpost, not a failure of the target'),
  });
  host.start();

  const timers = [
    setInterval(() => guard(() => monitor.judgeHeartbeats()), HEARTBEAT_CHECK_MS),
    // Maintenance windows open and close by themselves at their edges.
    setInterval(() => guard(() => maintenance.advanceMaintenances()), MAINTENANCE_CHECK_MS),
    setInterval(() => void housekeeping().catch((err: unknown) => app.log.error({ err }, 'housekeeping failed')), HOUSEKEEPING_MS),
  ];
  // Small slices with a turn of the event loop between them: at thousands of probes, one big DELETE
  // or a whole hour's p95s at once would hold the page for a second.
  let housekeepingRunning = false;
  const housekeeping = async () => {
    if (housekeepingRunning) return;
    housekeepingRunning = true;
    try {
      const now = clock();
      const slice = () => new Promise((resolve) => setImmediate(resolve));
      for (let i = 0; i < 10_000 && store.probes.finalizeHours(now, HOUSEKEEPING_SLICE / 20) > 0; i++) await slice();
      const { raw_retention, rollup_retention } = config.monitoring;
      for (let i = 0; i < 10_000 && store.probes.prune(now, raw_retention, rollup_retention, HOUSEKEEPING_SLICE) > 0; i++) await slice();
      for (let i = 0; i < 10_000 && store.outbox.prune(now - OUTBOX_RETENTION_MS, HOUSEKEEPING_SLICE) > 0; i++) await slice();
    } finally {
      housekeepingRunning = false;
    }
  };
  for (const t of timers) t.unref();
  const guard = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      app.log.error({ err }, 'monitoring task failed');
    }
  };
  guard(() => monitor.judgeHeartbeats());
  guard(() => maintenance.advanceMaintenances());

  return {
    host,
    async stop() {
      for (const t of timers) clearInterval(t);
      await host.stop();
    },
  };
}
