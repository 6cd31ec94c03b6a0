import fastifyStatic from '@fastify/static';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config/schema.js';
import type { Db } from './db/open.js';
import { DEFAULT_REFRESH_MS, Publisher } from './render/publisher.js';
import { AnnounceSetup } from './announce/setup.js';
import type { OutboxDispatcher } from './announce/dispatcher.js';
import { createStore, type Store } from './store/index.js';
import { projectRoot } from './util/paths.js';
import { systemClock, type Clock } from './util/time.js';
import { installErrorHandler } from './web/errors.js';
import { healthRoutes } from './web/health.js';
import { adminAuth } from './web/admin-auth.js';
import { adminIncidents } from './web/admin-incidents.js';
import { adminAnnouncements } from './web/admin-announcements.js';
import { adminMaintenance } from './web/admin-maintenance.js';
import { adminTemplates } from './web/admin-templates.js';
import { adminApiKeys } from './web/admin-api-keys.js';
import { adminAudit } from './web/admin-audit.js';
import { adminComponents } from './web/admin-components.js';
import { adminDashboard } from './web/admin-dashboard.js';
import { adminProbes } from './web/admin-probes.js';
import { adminUnsent } from './web/admin-unsent.js';
import type { LagStats } from './scheduler/host.js';
import { managementApi } from './web/api-v1.js';
import { heartbeatRoutes } from './web/heartbeats.js';
import { publicRoutes } from './web/public.js';
import { Monitor } from './monitoring/monitor.js';
import { AutoIncidents } from './monitoring/auto-incidents.js';
import { IncidentService } from './operations/incidents.js';
import { createLogger, isRequestLogged, requestLoggers, type LoggerSettings } from './web/request-logger.js';

export interface AppDeps {
  config: Config;
  /** An open, migrated database. */
  db: Db;
  clock?: Clock;
  /** The bundled demo is running: the page says so. */
  demo?: boolean;
  /** Where and what to log (server.ts: serverLoggerOptions()); nothing when not given. */
  logger?: LoggerSettings;
  /** Periodic snapshot refresh; 0 turns it off (tests drive rebuilds themselves). */
  refreshMs?: number;
  /** How long the front page stays unchanged before its final compression; 0: only on publisher.settle() (tests). */
  settleMs?: number;
  /** Proxy hops whose X-Forwarded-For is trusted for the client address (1 behind Fly's proxy). */
  trustProxy?: number;
  /** The probe scheduler's lag for the admin's probe page; monitoring starts after the app is built, hence a getter. */
  probeLag?: () => LagStats | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    store: Store;
    publisher: Publisher;
    monitor: Monitor;
    /** Delivers announcements; server.ts starts it, tests step it with runOnce(). */
    outbox: OutboxDispatcher;
  }
}

const PUBLIC_DIR = join(projectRoot, 'public');

/**
 * Builds the whole application without listening: server.ts listens, tests use app.inject. The
 * config's components are synced into the store and the first snapshot is built before it resolves.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const clock = deps.clock ?? systemClock;
  const log = deps.logger ? createLogger(deps.logger) : undefined;
  const app = Fastify({
    // Fastify's own logger stays off: with one it times and watches every response for its access
    // line (see request-logger.ts). app.log is ours, and each request's logger a child of it.
    logger: false,
    ...(log ? { childLoggerFactory: requestLoggers(log) } : {}),
    logController: new LogController({ disableRequestLogging: (request) => !isRequestLogged(request) }),
    return503OnClosing: true,
    // Sign-in limits per address need the client's address, not the proxy's; never trust it by default.
    trustProxy: deps.trustProxy ? (_address: string, hop: number) => hop < deps.trustProxy! : false,
    routerOptions: { ignoreTrailingSlash: true },
  });
  if (log) (app as { log: FastifyBaseLogger }).log = log;

  let publisher: Publisher | undefined;
  const announce = new AnnounceSetup(deps.config, { clock, log: app.log });
  const store = createStore(deps.db, () => deps.config.page.time_zone, () => publisher?.invalidate(), (s) => announce.attach(s));
  store.components.syncFromConfig(deps.config, clock());
  const monitor = new Monitor({
    store,
    probes: deps.config.probes,
    clock,
    log: app.log,
    rules: { failingFraction: deps.config.monitoring.impaired_when_failing, minProbes: deps.config.monitoring.impaired_min_probes },
    // Long enough to see one run of each probe, short enough that an old failure does not count as "at once".
    impairmentWindowMs: 120_000,
    autoIncidents: new AutoIncidents(store, new IncidentService(store, clock), autoIncidentPolicy(deps.config)),
  });
  publisher = new Publisher({
    store,
    page: deps.config.page,
    demo: deps.demo ?? false,
    clock,
    log: app.log,
    assetVersion: assetVersion(PUBLIC_DIR),
    refreshMs: deps.refreshMs,
    settleMs: deps.settleMs,
    latencyProbes: latencyProbes(deps.config),
  });
  await publisher.start();

  app.decorate('store', store);
  app.decorate('publisher', publisher);
  app.decorate('monitor', monitor);
  app.decorate('outbox', announce.dispatcher);
  app.addHook('onClose', async () => publisher.stop());
  app.addHook('onClose', async () => announce.dispatcher.stop());

  installErrorHandler(app);
  await app.register(fastifyStatic, {
    root: PUBLIC_DIR,
    prefix: '/static/',
    // URLs carry ?v=<content hash>, so a new release is a new URL and old copies may live long.
    maxAge: '7d',
    immutable: true,
    setHeaders: (reply) => reply.header('x-content-type-options', 'nosniff'),
  });
  // The page is rebuilt at least every refresh interval: five of them missed is a stuck publisher.
  const refreshMs = deps.refreshMs ?? DEFAULT_REFRESH_MS;
  await app.register(healthRoutes, { db: deps.db, publisher, clock, staleAfterMs: refreshMs > 0 ? Math.max(5 * refreshMs, 5 * 60_000) : Number.POSITIVE_INFINITY });
  await app.register(heartbeatRoutes, { store, monitor, clock });
  await app.register(managementApi, { store, publisher, clock, pageId: deps.config.page.id });
  await app.register(adminAuth, {
    stores: store,
    clock,
    secure: deps.config.page.url.startsWith('https:'),
    pageName: deps.config.page.name,
    routes: [
      adminAnnouncements({ store, clock, announcer: announce.announcer, channels: deps.config.announce, pageName: deps.config.page.name }),
      adminDashboard({ store, clock, pageName: deps.config.page.name }),
      adminComponents({ store, clock, publisher, pageName: deps.config.page.name }),
      adminProbes({ store, clock, pageName: deps.config.page.name, probeLag: deps.probeLag }),
      adminAudit({ store, pageName: deps.config.page.name }),
      adminApiKeys({ store, clock, pageName: deps.config.page.name }),
      adminIncidents({ store, clock, publisher, pageName: deps.config.page.name, channels: deps.config.announce.length }),
      adminMaintenance({ store, clock, publisher, pageName: deps.config.page.name, timeZone: deps.config.page.time_zone, channels: deps.config.announce.length }),
      adminTemplates({ store, clock, pageName: deps.config.page.name }),
      adminUnsent({ store, clock, pageName: deps.config.page.name }),
    ],
  });
  await app.register(publicRoutes, { publisher, clock, secureTransport: deps.config.page.url.startsWith('https:') });
  return app;
}

function assetVersion(dir: string): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(dir).sort()) hash.update(file).update(readFileSync(join(dir, file)));
  return hash.digest('hex').slice(0, 10);
}

function autoIncidentPolicy(config: Config) {
  const own = new Map(config.components.flatMap((c) => (c.auto_incident ? [[c.id, c.auto_incident] as const] : [])));
  return {
    modeFor: (componentId: string) => own.get(componentId) ?? config.monitoring.auto_incidents,
    recovery: config.monitoring.auto_incident_recovery,
  };
}

/** Probes charted per component, for components with show_latency (heartbeats have no latency). */
function latencyProbes(config: Config): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const c of config.components) {
    if (!c.show_latency) continue;
    const ids = config.probes.filter((p) => p.component === c.id && p.type !== 'heartbeat').map((p) => p.id);
    if (ids.length > 0) out.set(c.id, ids);
  }
  return out;
}
