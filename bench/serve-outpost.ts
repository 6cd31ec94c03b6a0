import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../src/app.js';
import { parseConfig } from '../src/config/load.js';
import { migrate } from '../src/db/migrate.js';
import { openDatabase } from '../src/db/open.js';
import { SETTLE_MS, type PublisherStats } from '../src/render/publisher.js';
import type { ComponentStatus } from '../src/status/types.js';
import { serverLoggerOptions } from '../src/web/request-logger.js';
import { serveParent } from './ipc.js';
import { benchYaml, componentIds, type SeedSummary } from './seed.js';

/**
 * The Outpost server under test, in its own process (forked by run.ts): serves a real SQLite file,
 * seeded beforehand in a temporary folder by another process, listens on 127.0.0.1, and on request flips one component's status every second
 * or times rebuilds. Everything it reports (rss, publisher stats) is its own, without the load generator.
 */

export interface ProcessInfo {
  rssBytes: number;
  /**
   * The most resident memory the process has had so far (Linux VmHWM): the peak, between the
   * moments rssBytes samples, of rebuilds and compressions under load. Null where /proc is not.
   */
  peakRssBytes: number | null;
  heapUsedBytes: number;
  /** Cumulative user + system CPU time, microseconds. */
  cpuUs: number;
  stats: PublisherStats;
}

export interface OutpostReady extends ProcessInfo {
  port: number;
  seed: SeedSummary;
  /**
   * Sizes of the two measured bodies: identity and brotli bytes; for the front page also its quick
   * brotli bytes, served until it has stayed unchanged for the settle time.
   */
  pages: Record<string, { identity: number; br: number; quickBr?: number }>;
  /** The front page's final compression (Publisher.settle): how long it took, and after how long unchanged it runs. */
  settle: { ms: number; afterMs: number };
}

export interface ChurnResult {
  changes: number;
  builds: number;
  failures: number;
}

export interface RebuildSample {
  buildMs: number[];
  publishMs: number[];
  /** Builds per status change: 1 means every change cost exactly one rebuild. */
  buildsPerChange: number;
}

/** The component whose status the changing run cycles; not one of the seed's open incidents. */
const CHURN_ID = componentIds().at(-1)!;
const CYCLE: ComponentStatus[] = ['degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance', 'operational'];
/** The churn stops itself after this many changes, should the parent never ask. */
const MAX_CHURN_CHANGES = 300;
const MAX_SAMPLES = 200;

/** Seeds the file in a process of its own (seed-db.ts): a deployed server starts on a populated file. */
function seedFile(file: string): SeedSummary {
  const fromSource = import.meta.url.endsWith('.ts');
  const script = fileURLToPath(new URL(fromSource ? './seed-db.ts' : './seed-db.js', import.meta.url));
  const out = execFileSync(process.execPath, [...(fromSource ? ['--import', 'tsx'] : []), script, file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 120_000 });
  return JSON.parse(out) as SeedSummary;
}

const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-'));
const file = join(dir, 'outpost.db');
let db: ReturnType<typeof openDatabase> | undefined;
const { app, seed, quick, settleMs } = await (async () => {
  try {
    const seed = seedFile(file);
    db = openDatabase(file);
    migrate(db);
    // Logging as `npm start` and the image set it up (pino at info); its few lines are dropped here.
    const logger = { ...serverLoggerOptions(), stream: new Writable({ write: (_chunk, _encoding, done) => done() }) };
    const app = await buildApp({ config: parseConfig(benchYaml(), 'bench.yaml', {}), db, refreshMs: 0, logger });
    await app.publisher.rebuild();
    await app.publisher.idle();
    const quick = app.publisher.current.resources.get('/')!.br.length;
    const started = performance.now();
    await app.publisher.settle();
    const settleMs = Math.round(performance.now() - started);
    await app.listen({ host: '127.0.0.1', port: 0 });
    return { app, seed, quick, settleMs };
  } catch (err) {
    // The parent sees the exit; the temporary folder must not outlive a failed start.
    db?.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
})();

/** VmHWM from /proc/self/status, in bytes. */
const peakRss = (): number | null => {
  try {
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : null;
  } catch {
    return null;
  }
};

const info = (): ProcessInfo => {
  const mem = process.memoryUsage();
  const cpu = process.cpuUsage();
  return { rssBytes: mem.rss, peakRssBytes: peakRss(), heapUsedBytes: mem.heapUsed, cpuUs: cpu.user + cpu.system, stats: { ...app.publisher.stats } };
};

/** Moves the churn component to the next status in the cycle: always a real change. */
const flip = () => {
  const current = app.store.components.get(CHURN_ID)!.status;
  const next = CYCLE[(CYCLE.indexOf(current) + 1) % CYCLE.length]!;
  if (!app.store.components.setStatus(CHURN_ID, next, 'bench', Date.now())) throw new Error('setStatus made no change');
};

let churn: { timer: NodeJS.Timeout; state: { changes: number; buildsBefore: number; failuresBefore: number } } | undefined;

const pageSizes = () => {
  const out: OutpostReady['pages'] = {};
  for (const path of ['/', '/api/v2/summary.json']) {
    const r = app.publisher.current.resources.get(path)!;
    out[path] = { identity: r.identity.length, br: r.br.length, ...(path === '/' ? { quickBr: quick } : {}) };
  }
  return out;
};

serveParent(
  { ...info(), port: (app.server.address() as AddressInfo).port, seed, pages: pageSizes(), settle: { ms: settleMs, afterMs: SETTLE_MS } } satisfies OutpostReady,
  {
    info,
    /** The front page as a visitor finds it once it has stayed the same for a while (Publisher.settle). */
    settle: async () => {
      await app.publisher.idle();
      await app.publisher.settle();
      return null;
    },
    churnStart: async () => {
      if (churn) throw new Error('churn already running');
      await app.publisher.idle();
      const state = { changes: 0, buildsBefore: app.publisher.stats.builds, failuresBefore: app.publisher.stats.failures };
      const timer = setInterval(() => {
        if (state.changes >= MAX_CHURN_CHANGES) return clearInterval(timer);
        flip(); // the store calls publisher.invalidate(); nothing else is needed for the page to follow
        state.changes++;
      }, 1000);
      churn = { timer, state };
      return null;
    },
    churnStop: async (): Promise<ChurnResult> => {
      if (!churn) throw new Error('churn not running');
      clearInterval(churn.timer);
      const { changes, buildsBefore, failuresBefore } = churn.state;
      churn = undefined;
      await app.publisher.idle();
      // Settled now, in the pause, rather than by its timer in the middle of the bare server's round.
      await app.publisher.settle();
      return { changes, builds: app.publisher.stats.builds - buildsBefore, failures: app.publisher.stats.failures - failuresBefore };
    },
    /**
     * Times `count` rebuilds, each caused by a status change. We wait for the rebuild the write
     * schedules (publisher.idle()) rather than calling rebuild() right after setStatus: that
     * scheduled rebuild would then join the running one and make it build twice, and the stats
     * would describe the second, redundant build (see the report).
     */
    rebuildSample: async (args): Promise<RebuildSample> => {
      const count = Math.min(Number((args as { count: number }).count), MAX_SAMPLES);
      const buildMs: number[] = [];
      const publishMs: number[] = [];
      await app.publisher.idle();
      const before = app.publisher.stats.builds;
      for (let i = 0; i < count; i++) {
        flip();
        await app.publisher.idle();
        buildMs.push(app.publisher.stats.lastBuildMs);
        publishMs.push(app.publisher.stats.lastPublishMs);
      }
      return { buildMs, publishMs, buildsPerChange: (app.publisher.stats.builds - before) / Math.max(count, 1) };
    },
  },
  async () => {
    if (churn) clearInterval(churn.timer);
    await app.close();
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  },
);
