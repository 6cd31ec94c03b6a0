import type { FastifyInstance } from 'fastify';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { buildApp } from '../src/app.js';
import { parseConfig } from '../src/config/load.js';
import type { Config } from '../src/config/schema.js';
import { migrate } from '../src/db/migrate.js';
import { openDatabase } from '../src/db/open.js';
import { isNetworkProbe } from '../src/probes/registry.js';
import { ProberHost } from '../src/scheduler/host.js';
import type { RunReport } from '../src/scheduler/protocol.js';
import { ProbeRunner } from '../src/scheduler/runner.js';
import { serveParent } from './ipc.js';
import { probesYaml } from './probe-config.js';
import { spread, type Spread } from './report.js';
import { seedBench, type SeedSummary } from './seed.js';

/**
 * The Outpost process under test for the probe benchmark (forked by bench/probes.ts): the real app
 * (buildApp) on a seeded SQLite file, listening on 127.0.0.1, with 2,000 HTTP probes of the config
 * run by the real ProberHost in a worker thread and stored by the real Monitor, wired as
 * src/scheduler/start.ts wires them. The host is built here rather than through startMonitoring so
 * that each RunReport (planned and actual start) is seen, not only the stored result; what
 * startMonitoring adds besides (heartbeat judging, 5-minute housekeeping) has no work to do within
 * a benchmark's few minutes. For the comparison, the same probes can instead run on the main
 * thread through a ProbeRunner, flushed to the Monitor every 250 ms as the worker does.
 */

export type ProberMode = 'worker' | 'main';

export interface ProberStartArgs {
  targetPort: number;
  probes: number;
  intervalMs: number;
  timeoutMs: number;
}

export interface ProberStarted {
  port: number;
  probes: number;
  concurrency: number;
  seed: SeedSummary;
  rssBytes: number;
  /** Bytes of GET / as a browser gets it (brotli) and uncompressed. */
  pageBytes: { identity: number; br: number };
}

export interface WindowStats {
  mode: ProberMode;
  durationS: number;
  /** Runs whose actual start fell in the window, and how many the schedule promises. */
  runs: number;
  expectedRuns: number;
  /** startedAt - plannedAt of those runs. */
  lagMs: Spread;
  /** result.latencyMs of the successful runs: the loopback target as the probes measured it. */
  latencyMs: Spread;
  failures: number;
  failureCodes: Record<string, number>;
  /** Cores busy (1.0 = one core all the time): the whole process, and split by thread where Linux tells. */
  cpu: { process: number; mainThread: number | null; otherThreads: number | null };
  rssMB: { max: number; end: number };
  /** Main-thread event loop delay: how long page requests and stored batches had to wait. */
  mainLoopDelayMs: { p50: number; p99: number; max: number };
  /** Monitor.handle per batch of reports (one transaction each), on the main thread. */
  store: { batches: number; results: number; batchMs: Spread; errors: number };
  /** Rows in probe_results for the window: every measured run must be stored. */
  storedRows: number;
  /** Probes that threw (bugs in Outpost), over the window. */
  bugs: number;
  /** Reports not kept because the sample buffer was full (should be 0). */
  dropped: number;
}

/** Reports arriving after the window closed may still belong to it (flushed every 250 ms). */
const SETTLE_MS = 1_000;
/** Bounds the per-window sample buffer: 2,000 probes every 10 s for 2 minutes is 24,000. */
const MAX_SAMPLES = 200_000;
const RSS_SAMPLE_MS = 500;
/** Linux reports thread CPU time in clock ticks of 1/100 s (USER_HZ) on every common architecture. */
const USER_HZ = 100;

interface Sample {
  startedAt: number;
  lag: number;
  latency: number | null;
  code: string | undefined;
}

const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-probes-'));
const db = openDatabase(join(dir, 'outpost.db'));
migrate(db);

let app: FastifyInstance | undefined;
let config: Config | undefined;
let prober: { mode: ProberMode; stop(): Promise<void> } | undefined;
let samples: Sample[] = [];
let dropped = 0;
let bugs = 0;
const storeStats = { batches: 0, results: 0, errors: 0, batchMs: [] as number[] };

/** What start.ts does with a batch of reports, plus the bookkeeping the benchmark needs. */
function onReports(reports: RunReport[]): void {
  for (const r of reports) {
    if (samples.length >= MAX_SAMPLES) {
      dropped++;
      continue;
    }
    samples.push({ startedAt: r.startedAt, lag: r.startedAt - r.plannedAt, latency: r.result.ok ? r.result.latencyMs : null, code: r.result.ok ? undefined : (r.result.code ?? r.result.layer ?? 'unknown') });
  }
  const started = performance.now();
  try {
    app!.monitor.handle(reports.map((r) => ({ probeId: r.probeId, at: r.startedAt, result: r.result })));
  } catch (err) {
    storeStats.errors++;
    console.error('[serve-prober] storing probe results failed:', err);
  }
  storeStats.batchMs.push(performance.now() - started);
  storeStats.batches++;
  storeStats.results += reports.length;
}

const onBug = (probeId: string, error: unknown) => {
  bugs++;
  if (bugs <= 3) console.error(`[serve-prober] probe ${probeId} threw (a bug in Outpost):`, error);
};

function startProber(mode: ProberMode): { mode: ProberMode; stop(): Promise<void> } {
  const probes = config!.probes.filter(isNetworkProbe);
  const concurrency = config!.monitoring.concurrency;
  if (mode === 'worker') {
    const host = new ProberHost({ probes, concurrency, onReports, onBug });
    host.start();
    return { mode, stop: () => host.stop() };
  }
  let pending: RunReport[] = [];
  const runner = new ProbeRunner({ probes, concurrency, onReport: (r) => pending.push(r), onBug });
  const flush = setInterval(() => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    onReports(batch);
  }, 250);
  runner.start();
  return {
    mode,
    stop: async () => {
      runner.stop();
      clearInterval(flush);
    },
  };
}

/** utime + stime of one thread of this process, in microseconds; null where /proc is not there. */
function threadCpuUs(tid: number): number | null {
  try {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the name: state is field 3 of stat(5), utime 14 and stime 15.
    return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / USER_HZ;
  } catch {
    return null;
  }
}

const cpuNow = () => {
  const cpu = process.cpuUsage();
  return { process: cpu.user + cpu.system, main: threadCpuUs(process.pid), wall: performance.now() };
};

let window:
  | { from: number; cpu: ReturnType<typeof cpuNow>; rssMax: number; rssTimer: NodeJS.Timeout; delay: ReturnType<typeof monitorEventLoopDelay>; bugs: number }
  | undefined;

function windowStart(): null {
  if (!prober) throw new Error('no prober running');
  if (window) clearInterval(window.rssTimer);
  samples = [];
  dropped = 0;
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const state = { from: Date.now(), cpu: cpuNow(), rssMax: process.memoryUsage.rss(), rssTimer: undefined as unknown as NodeJS.Timeout, delay, bugs };
  state.rssTimer = setInterval(() => (state.rssMax = Math.max(state.rssMax, process.memoryUsage.rss())), RSS_SAMPLE_MS);
  state.rssTimer.unref();
  storeStats.batches = storeStats.results = storeStats.errors = 0;
  storeStats.batchMs = [];
  window = state;
  return null;
}

async function windowEnd(): Promise<WindowStats> {
  const w = window;
  if (!w || !prober) throw new Error('no window open');
  window = undefined;
  const to = Date.now();
  const cpu = cpuNow();
  w.delay.disable();
  clearInterval(w.rssTimer);
  const rssEnd = process.memoryUsage.rss();
  const store = { batches: storeStats.batches, results: storeStats.results, errors: storeStats.errors, batchMs: spread(storeStats.batchMs) };
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

  const inWindow = samples.filter((s) => s.startedAt >= w.from && s.startedAt < to);
  const failureCodes: Record<string, number> = {};
  for (const s of inWindow) if (s.code) failureCodes[s.code] = (failureCodes[s.code] ?? 0) + 1;
  const wallUs = (cpu.wall - w.cpu.wall) * 1000;
  const cores = (us: number) => Math.round((us / wallUs) * 100) / 100;
  const processUs = cpu.process - w.cpu.process;
  const mainUs = cpu.main !== null && w.cpu.main !== null ? cpu.main - w.cpu.main : null;
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  const { n } = db.prepare('SELECT count(*) AS n FROM probe_results WHERE at >= ? AND at < ?').get(w.from, to) as { n: number };
  const durationS = (to - w.from) / 1000;
  const probes = config!.probes.filter(isNetworkProbe);
  return {
    mode: prober.mode,
    durationS,
    runs: inWindow.length,
    expectedRuns: Math.round(probes.reduce((sum, p) => sum + (durationS * 1000) / p.interval, 0)),
    lagMs: spread(inWindow.map((s) => s.lag)),
    latencyMs: spread(inWindow.flatMap((s) => (s.latency === null ? [] : [s.latency]))),
    failures: inWindow.filter((s) => s.code).length,
    failureCodes,
    cpu: { process: cores(processUs), mainThread: mainUs === null ? null : cores(mainUs), otherThreads: mainUs === null ? null : cores(processUs - mainUs) },
    rssMB: { max: Math.round((w.rssMax / 1048576) * 10) / 10, end: Math.round((rssEnd / 1048576) * 10) / 10 },
    mainLoopDelayMs: { p50: ms(w.delay.percentile(50)), p99: ms(w.delay.percentile(99)), max: ms(w.delay.max) },
    store,
    storedRows: n,
    bugs: bugs - w.bugs,
    dropped,
  };
}

serveParent(
  { pid: process.pid },
  {
    start: async (args): Promise<ProberStarted> => {
      if (app) throw new Error('already started');
      const a = args as ProberStartArgs;
      const yaml = probesYaml({ count: a.probes, intervalMs: a.intervalMs, timeoutMs: a.timeoutMs, url: (i) => `http://127.0.0.1:${a.targetPort}/check/${i}` });
      config = parseConfig(yaml, 'bench-probes.yaml', {});
      // The production refresh (every 60 s) stays on: a real server rebuilds its page while probing.
      app = await buildApp({ config, db });
      const seed = seedBench(app.store, Date.now());
      await app.publisher.rebuild();
      await app.publisher.idle();
      await app.listen({ host: '127.0.0.1', port: 0 });
      const home = app.publisher.current.resources.get('/')!;
      return {
        port: (app.server.address() as AddressInfo).port,
        probes: config.probes.length,
        concurrency: config.monitoring.concurrency,
        seed,
        rssBytes: process.memoryUsage.rss(),
        pageBytes: { identity: home.identity.length, br: home.br.length },
      };
    },
    startProber: async (args) => {
      if (!app) throw new Error('not started');
      const mode = (args as { mode: ProberMode }).mode;
      if (prober) await prober.stop();
      prober = startProber(mode);
      return null;
    },
    windowStart,
    windowEnd,
    info: () => {
      const cpu = process.cpuUsage();
      return { cpuUs: cpu.user + cpu.system, rssBytes: process.memoryUsage.rss() };
    },
  },
  async () => {
    if (window) clearInterval(window.rssTimer);
    await prober?.stop();
    await app?.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  },
);
