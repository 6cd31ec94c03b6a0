import type { FastifyBaseLogger } from 'fastify';
import type { PageConfig } from '../config/schema.js';
import { buildSnapshot, type Snapshot } from '../status/snapshot.js';
import type { Store } from '../store/index.js';
import type { Clock } from '../util/time.js';
import { addDays, dayKey, HOUR } from '../util/time.js';
import { LATENCY_HOURS, type LatencyPoint } from './latency-chart.js';
import type { MonitoringState } from '../status/snapshot.js';
import { renderFeeds } from './feeds.js';
import { HtmlRenderer } from './html.js';
import { makeResource, type Resource } from './resource.js';
import { statuspageDocuments } from './statuspage-json.js';

const HTML = 'text/html; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';

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
}


/**
 * Builds the page snapshot and every public rendering of it, and holds the bytes that requests are
 * served from. Requests never wait for a build and never trigger one: they read `current`, which is
 * swapped whole when a build completes. Writes call invalidate(); invalidations during a build
 * coalesce into one more build, so a burst of changes costs at most two builds, never a stampede.
 */
export class Publisher {
  private published: Published | undefined;
  private readonly html: HtmlRenderer;
  private running: Promise<void> | undefined;
  private pending = false;
  private scheduled = false;
  private timer: NodeJS.Timeout | undefined;
  readonly stats: PublisherStats = { builds: 0, lastBuildMs: 0, lastPublishMs: 0, failures: 0 };

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
    const refresh = this.options.refreshMs ?? 60_000;
    if (refresh > 0) {
      this.timer = setInterval(() => this.invalidate(), refresh);
      this.timer.unref();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Data changed: schedule a rebuild. Synchronous writes in one tick share one rebuild. */
  invalidate(): void {
    if (!this.published) return; // the first build reads everything anyway
    if (this.running) {
      this.pending = true;
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.rebuild().catch(() => undefined);
    });
  }

  /** Rebuilds now, or joins the build under way (which then runs once more). Resolves when the new bytes are served. */
  rebuild(): Promise<void> {
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

  /** Mean and p95 per hour over each charted component's probes (p95: the worst probe's). */
  private latency(now: number): Map<string, LatencyPoint[]> {
    const out = new Map<string, LatencyPoint[]>();
    const charted = this.options.latencyProbes;
    if (!charted || charted.size === 0) return out;
    const since = Math.floor(now / HOUR) * HOUR - (LATENCY_HOURS - 1) * HOUR;
    const rows = this.options.store.probes.hourly([...charted.values()].flat(), since);
    for (const [componentId, probeIds] of charted) {
      const byHour = new Map<number, { sum: number; n: number; p95: number | null }>();
      for (const r of rows) {
        if (!probeIds.includes(r.probeId) || r.latencyMean === null) continue;
        const h = byHour.get(r.hour) ?? { sum: 0, n: 0, p95: null };
        h.sum += r.latencyMean;
        h.n += 1;
        if (r.latencyP95 !== null) h.p95 = Math.max(h.p95 ?? 0, r.latencyP95);
        byHour.set(r.hour, h);
      }
      out.set(componentId, [...byHour].sort(([a], [b]) => a - b).map(([hour, h]) => ({ hour, mean: h.sum / h.n, p95: h.p95 })));
    }
    return out;
  }

  private async buildOnce(): Promise<void> {
    const started = performance.now();
    const { store, page, demo, clock } = this.options;
    const now = clock();
    const firstDay = addDays(dayKey(now, page.time_zone), -100);
    const snapshot = buildSnapshot({
      page,
      demo,
      now,
      components: store.components.list(),
      incidents: store.incidents.listAll(),
      daily: store.history.dailySince(firstDay),
      monitoring: monitoringState(store),
      latency: this.latency(now),
    });
    const bodies = new Map<string, [string, string]>();
    for (const [path, doc] of Object.entries(statuspageDocuments(snapshot))) bodies.set(path, [JSON_TYPE, JSON.stringify(doc)]);
    const html = this.html.render(snapshot);
    for (const [path, body] of html.pages) bodies.set(path, [HTML, body]);
    const feeds = renderFeeds(snapshot);
    bodies.set('/history.rss', ['application/rss+xml; charset=utf-8', feeds.rss]);
    bodies.set('/history.atom', ['application/atom+xml; charset=utf-8', feeds.atom]);
    this.stats.lastBuildMs = performance.now() - started;

    const previous = this.published;
    const entries = await Promise.all(
      [...bodies].map(async ([path, [type, body]]) => [path, await makeResource(type, body, previous?.resources.get(path), now)] as const),
    );
    const notFound = await makeResource(HTML, html.notFound, previous?.notFound, now);
    this.published = { snapshot, resources: new Map(entries), notFound };
    this.stats.builds++;
    this.stats.lastPublishMs = performance.now() - started;
  }
}

function monitoringState(store: Store): MonitoringState {
  const health = store.proberHealth.get();
  return { interrupted: health.impaired, since: health.impaired ? health.since : null };
}
