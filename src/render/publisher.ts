import type { FastifyBaseLogger } from 'fastify';
import type { PageConfig } from '../config/schema.js';
import { buildSnapshot, SnapshotMemo, type Snapshot } from '../status/snapshot.js';
import type { Store } from '../store/index.js';
import type { Clock } from '../util/time.js';
import { addDays, dayKey, HOUR } from '../util/time.js';
import { LATENCY_HOURS, type LatencyPoint } from './latency-chart.js';
import type { MonitoringState } from '../status/snapshot.js';
import { FeedRenderer } from './feeds.js';
import { HtmlRenderer } from './html.js';
import { makeResource, settleResource, type Resource } from './resource.js';
import { statuspageDocuments } from './statuspage-json.js';

const HTML = 'text/html; charset=utf-8';
const COMPRESSION_CONCURRENCY = 2;
/** The page most requests of a traffic spike are for: its bytes are worth a slower compression. */
const HOT_PATHS = new Set(['/']);
/**
 * How long the hot page must stay unchanged before its final, slower compression: long enough
 * that a page in flux (an outage unfolding, a flapping probe) is not compressed hard only to be
 * replaced a second later, short enough that a CDN's next fetch (max-age 15 s) gets the final bytes.
 */
export const SETTLE_MS = 5_000;
/** Rebuild at least this often: time moves maintenance windows and the day's bars. */
export const DEFAULT_REFRESH_MS = 60_000;
const JSON_TYPE = 'application/json; charset=utf-8';

/** How stale the latency charts' current hour may get (see Publisher.latency). */
const LATENCY_REFRESH_MS = 5 * 60_000;

export interface Published {
  snapshot: Snapshot;
  resources: Map<string, Resource>;
  notFound: Resource;
}

export interface PublisherStats {
  builds: number;
  /** Milliseconds of the last rebuild's synchronous part: load, compute, render. */
  lastBuildMs: number;
  /** Milliseconds from the start of the last rebuild until its bytes were served (compression included). */
  lastPublishMs: number;
  failures: number;
  /** Hot resources given their final compression (settle). */
  settles: number;
  /** Milliseconds per stage of the last rebuild, for finding where time goes. */
  stages: Record<string, number>;
}

export interface PublisherOptions {
  store: Store;
  page: PageConfig;
  demo: boolean;
  clock: Clock;
  log: FastifyBaseLogger;
  assetVersion: string;
  /** Rebuild this often even without writes: time moves maintenance windows and the day's bars. */
  refreshMs?: number;
  /** Probe ids whose response times are charted, by component (components with show_latency). */
  latencyProbes?: Map<string, string[]>;
  /** Overrides SETTLE_MS; 0: the hot page is settled only when settle() is called (tests). */
  settleMs?: number;
}


/**
 * Builds the page snapshot and every public rendering of it, and holds the bytes that requests are
 * served from. Requests never wait for a build and never trigger one: they read `current`, which is
 * swapped whole when a build completes. Writes call invalidate(); invalidations during a build
 * coalesce into one more build, so a burst of changes costs at most two builds, never a stampede.
 */
export class Publisher {
  private published: Published | undefined;
  private latencyCache: { hour: number; at: number; value: Map<string, LatencyPoint[]> } | undefined;
  /** What the last build computed that the next may reuse (past uptime days, incident days). */
  private readonly memo = new SnapshotMemo();
  private readonly html: HtmlRenderer;
  private readonly feeds = new FeedRenderer();
  private running: Promise<void> | undefined;
  private pending = false;
  private scheduled: NodeJS.Immediate | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** The settle timer, and the unsettled resources it was set for. */
  private settleTimer: { timeout: NodeJS.Timeout; for: Resource[] } | undefined;
  private settling: Promise<void> | undefined;
  readonly stats: PublisherStats = { builds: 0, lastBuildMs: 0, lastPublishMs: 0, failures: 0, settles: 0, stages: {} };

  constructor(private readonly options: PublisherOptions) {
    this.html = new HtmlRenderer(options.assetVersion);
  }

  get current(): Published {
    if (!this.published) throw new Error('publisher has not built its first snapshot yet; await start()');
    return this.published;
  }

  /** Builds the first snapshot (errors propagate: a page that cannot be built must not start) and starts the refresh timer. */
  async start(): Promise<void> {
    await this.rebuild();
    const refresh = this.options.refreshMs ?? DEFAULT_REFRESH_MS;
    if (refresh > 0) {
      this.timer = setInterval(() => this.invalidate(), refresh);
      this.timer.unref();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.settleTimer) clearTimeout(this.settleTimer.timeout);
    this.settleTimer = undefined;
  }

  /**
   * Gives each hot resource still served with its quick compression its final bytes (see
   * resource.ts), swapped in only if no rebuild has replaced it meanwhile. Resolves when served.
   */
  async settle(): Promise<void> {
    // One at a time: a second caller waits for the first, then finds little or nothing left to do.
    while (this.settling) await this.settling;
    this.settling = this.settleNow().finally(() => {
      this.settling = undefined;
    });
    return this.settling;
  }

  private async settleNow(): Promise<void> {
    for (const [path, resource] of this.unsettled()) {
      const settled = await settleResource(resource);
      const resources = this.current.resources;
      if (resources.get(path) !== resource) continue; // rebuilt meanwhile: that build set its own timer
      resources.set(path, settled);
      this.stats.settles++;
    }
  }

  /** The hot resources still served with their quick compression (only hot ones ever are). */
  private unsettled(): [string, Resource][] {
    const out: [string, Resource][] = [];
    for (const path of HOT_PATHS) {
      const resource = this.current.resources.get(path);
      if (resource && !resource.settled) out.push([path, resource]);
    }
    return out;
  }

  /** After a publish: settle the hot page once it has stayed the same for SETTLE_MS. */
  private scheduleSettle(): void {
    const delay = this.options.settleMs ?? SETTLE_MS;
    const unsettled = this.unsettled().map(([, resource]) => resource);
    const armed = this.settleTimer;
    // The same bytes published again (another page changed) do not restart their wait.
    if (armed && unsettled.length > 0 && unsettled.every((r) => armed.for.includes(r))) return;
    if (armed) clearTimeout(armed.timeout);
    this.settleTimer = undefined;
    if (delay <= 0 || unsettled.length === 0) return;
    const timeout = setTimeout(() => {
      this.settleTimer = undefined;
      this.settle().catch((err: unknown) => this.options.log.error({ err }, 'compressing the front page harder failed; still serving its quick compression'));
    }, delay);
    timeout.unref();
    this.settleTimer = { timeout, for: unsettled };
  }

  /** Data changed: schedule a rebuild. Synchronous writes in one tick share one rebuild. */
  invalidate(): void {
    if (!this.published) return; // the first build reads everything anyway
    if (this.running) {
      this.pending = true;
      return;
    }
    if (this.scheduled) return;
    this.scheduled = setImmediate(() => {
      this.scheduled = undefined;
      void this.rebuild().catch(() => undefined);
    });
  }

  /** Rebuilds now, or joins the build under way (which then runs once more). Resolves when the new bytes are served. */
  rebuild(): Promise<void> {
    // A rebuild asked for now covers one that a write had scheduled for the next tick.
    if (this.scheduled) {
      clearImmediate(this.scheduled);
      this.scheduled = undefined;
    }
    if (this.running) {
      this.pending = true;
      return this.running;
    }
    this.running = this.buildLoop().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Resolves once no build is running or pending. */
  async idle(): Promise<void> {
    while (this.running || this.scheduled) {
      if (this.running) await this.running;
      else await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private async buildLoop(): Promise<void> {
    do {
      this.pending = false;
      try {
        await this.buildOnce();
      } catch (err) {
        this.stats.failures++;
        if (!this.published) throw err;
        // Keep serving the last good snapshot: a page that is a minute stale beats a page that is down.
        this.options.log.error({ err }, 'snapshot rebuild failed; still serving the previous one');
      }
    } while (this.pending);
  }

  /**
   * The charts' hourly points, read at most every LATENCY_REFRESH_MS (and at each new hour): the
   * query reads every charted probe's last 24 rollups, 24,000 rows at 1,000 probes, and a rebuild
   * after a status change must not wait for it. The current hour's point is a few minutes stale at most.
   */
  private latency(now: number): Map<string, LatencyPoint[]> {
    const hour = Math.floor(now / HOUR);
    const cached = this.latencyCache;
    if (cached && cached.hour === hour && now - cached.at < LATENCY_REFRESH_MS) return cached.value;
    const value = this.readLatency(now);
    this.latencyCache = { hour, at: now, value };
    return value;
  }

  /** Mean and p95 per hour over each charted component's probes (p95: the worst probe's). */
  private readLatency(now: number): Map<string, LatencyPoint[]> {
    const out = new Map<string, LatencyPoint[]>();
    const charted = this.options.latencyProbes;
    if (!charted || charted.size === 0) return out;
    const since = Math.floor(now / HOUR) * HOUR - (LATENCY_HOURS - 1) * HOUR;
    const componentOf = new Map<string, string>();
    for (const [componentId, probeIds] of charted) for (const id of probeIds) componentOf.set(id, componentId);
    // One pass over the rows, grouped by component and hour.
    const grouped = new Map<string, Map<number, { sum: number; n: number; p95: number | null }>>();
    for (const r of this.options.store.probes.hourly([...componentOf.keys()], since)) {
      const componentId = componentOf.get(r.probeId);
      if (componentId === undefined || r.latencyMean === null) continue;
      let byHour = grouped.get(componentId);
      if (!byHour) grouped.set(componentId, (byHour = new Map()));
      const h = byHour.get(r.hour) ?? { sum: 0, n: 0, p95: null };
      h.sum += r.latencyMean;
      h.n += 1;
      if (r.latencyP95 !== null) h.p95 = Math.max(h.p95 ?? 0, r.latencyP95);
      byHour.set(r.hour, h);
    }
    for (const [componentId, byHour] of grouped) {
      out.set(componentId, [...byHour].sort(([a], [b]) => a - b).map(([hour, h]) => ({ hour, mean: h.sum / h.n, p95: h.p95 })));
    }
    return out;
  }

  private async buildOnce(): Promise<void> {
    const started = performance.now();
    const stages: Record<string, number> = {};
    let mark = started;
    let busy = 0;
    // Each stage runs in one go; between stages the event loop serves the requests that arrived, so
    // none waits for a whole rebuild. Requests keep reading the previous bytes until the swap.
    const stage = async (name: string) => {
      const t = performance.now();
      stages[name] = Math.round((t - mark) * 10) / 10;
      busy += t - mark;
      await new Promise((resolve) => setImmediate(resolve));
      mark = performance.now();
    };
    const { store, page, demo, clock } = this.options;
    const now = clock();
    const firstDay = addDays(dayKey(now, page.time_zone), -100);
    const components = store.components.list();
    const incidents = store.incidents.listPublished();
    const daily = store.history.dailySince(firstDay);
    const monitoring = monitoringState(store);
    const latency = this.latency(now);
    await stage('load');
    const snapshot = buildSnapshot({ page, demo, now, components, incidents, daily, monitoring, latency, memo: this.memo });
    await stage('snapshot');
    const bodies = new Map<string, [string, string]>();
    for (const [path, doc] of Object.entries(statuspageDocuments(snapshot))) bodies.set(path, [JSON_TYPE, JSON.stringify(doc)]);
    await stage('json');
    const html = this.html.render(snapshot);
    for (const [path, body] of html.pages) bodies.set(path, [HTML, body]);
    await stage('html');
    const feeds = this.feeds.render(snapshot);
    bodies.set('/history.rss', ['application/rss+xml; charset=utf-8', feeds.rss]);
    bodies.set('/history.atom', ['application/atom+xml; charset=utf-8', feeds.atom]);
    await stage('feeds');
    this.stats.lastBuildMs = busy;

    const previous = this.published;
    const resources = new Map<string, Resource>();
    // Few at a time: hundreds of zlib streams at once cost more memory than they save time. The hot
    // page first: its slower compression then runs beside all the others.
    const queue = [...bodies].sort(([a], [b]) => Number(HOT_PATHS.has(b)) - Number(HOT_PATHS.has(a)));
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const [path, [type, body]] = next;
        resources.set(path, await makeResource(type, body, previous?.resources.get(path), now, { hot: HOT_PATHS.has(path) }));
      }
    };
    await Promise.all(Array.from({ length: COMPRESSION_CONCURRENCY }, worker));
    const notFound = await makeResource(HTML, html.notFound, previous?.notFound, now);
    stages.compress = Math.round((performance.now() - mark) * 10) / 10;
    this.published = { snapshot, resources, notFound };
    this.stats.builds++;
    this.stats.lastPublishMs = performance.now() - started;
    this.stats.stages = stages;
    this.scheduleSettle();
  }
}

function monitoringState(store: Store): MonitoringState {
  const health = store.proberHealth.get();
  return { interrupted: health.impaired, since: health.impaired ? health.since : null };
}
