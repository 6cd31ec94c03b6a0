import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRoot } from '../src/util/paths.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { contention, machineTicks } from './cpu.js';
import { productionRuntime, runEntry, startChild, type Child } from './ipc.js';
import { measure, type LoadOptions, type LoadResult } from './load.js';
import { machine } from './machine.js';
import type { StorageResult } from './probe-storage.js';
import { checks, errors, formatReport, type ProbeBenchResults, type WindowResult } from './probes-report.js';
import { mb } from './report.js';
import type { ProberMode, ProberStarted, ProberStartArgs, WindowStats } from './serve-prober.js';
import type { TargetInfo, TargetReady } from './serve-target.js';

/**
 * `npm run bench:probes`: the probe engine under the load. Three processes: a loopback HTTP
 * target, the Outpost process (real app, real ProberHost worker thread, real Monitor, real SQLite
 * file) and this one, which runs autocannon against Outpost's page for the loaded windows and asks
 * the others for their own figures over IPC (bench/ipc.ts), so that neither the load generator nor
 * the target is counted against Outpost. Then the storage part, in a fourth process once the others
 * are gone. About 4 minutes: 2 x 60 s with probes in the worker, 2 x 10 s with probes on the main
 * thread for comparison, 45-70 s of storage, calibration and warm-ups.
 */

const PROBES: Omit<ProberStartArgs, 'targetPort'> = { probes: 2_000, intervalMs: 10_000, timeoutMs: 5_000 };
const WARMUP_S = 3;
const WINDOW_S = 60;
const MAIN_WINDOW_S = 10;
const LOAD: LoadOptions = { connections: 50, durationS: WINDOW_S, warmupS: 2 };

const log = (msg: string) => process.stderr.write(`[bench:probes] ${msg}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Probed {
  prober: Child<{ pid: number }>;
  target: Child<TargetReady>;
  url: string;
  nproc: number;
}

/**
 * One measured window: probes as they are (`load` undefined) or while autocannon saturates GET /.
 * Besides Outpost's own figures it records the target's and this process's CPU, and what the rest
 * of the machine took meanwhile: on a shared host that is the first suspect of a bad p99.
 */
async function measureWindow(p: Probed, mode: ProberMode, seconds: number, load: LoadOptions | undefined): Promise<WindowResult> {
  let before: { target: TargetInfo; self: NodeJS.CpuUsage; ticks: ReturnType<typeof machineTicks>; wall: number } | undefined;
  const open = async () => {
    await p.prober.call('windowStart');
    before = { target: await p.target.call<TargetInfo>('info'), self: process.cpuUsage(), ticks: machineTicks(), wall: performance.now() };
  };
  let loadResult: LoadResult | undefined;
  if (load) {
    loadResult = await measure(p.url, { ...load, durationS: seconds }, async () => (await p.prober.call<{ cpuUs: number }>('info')).cpuUs, open);
  } else {
    await open();
    await sleep(seconds * 1000);
  }
  const self = process.cpuUsage(before!.self);
  const ticks = machineTicks();
  const wallUs = (performance.now() - before!.wall) * 1000;
  const target = await p.target.call<TargetInfo>('info');
  const stats = await p.prober.call<WindowStats>('windowEnd', undefined, 60_000);
  const cores = (us: number) => Math.round((us / wallUs) * 100) / 100;
  const targetCpu = cores(target.cpuUs - before!.target.cpuUs);
  const generatorCpu = cores(self.user + self.system);
  const noise = contention(before!.ticks, ticks, stats.cpu.process + targetCpu + generatorCpu, p.nproc);
  return { ...stats, state: load ? 'page load' : 'steady', targetCpu, generatorCpu, othersCpu: noise?.othersCores ?? null, stealPct: noise?.stealPct ?? null, ...(loadResult ? { load: loadResult } : {}) };
}

async function main(): Promise<number> {
  const started = Date.now();
  log('calibrating: how many CPUs really run in parallel');
  const host = await machine();

  log(`starting the loopback target and Outpost with ${PROBES.probes} probes (seeding the page)`);
  const target = startChild<TargetReady>('./serve-target.ts', 60_000);
  const prober = startChild<{ pid: number }>('./serve-prober.ts', 60_000, productionRuntime());
  const windows: WindowResult[] = [];
  let outpost: ProberStarted;
  try {
    const [targetReady] = await Promise.all([target.ready, prober.ready]);
    outpost = await prober.call<ProberStarted>('start', { ...PROBES, targetPort: targetReady.port } satisfies ProberStartArgs, 120_000);
    const p: Probed = { prober, target, url: `http://127.0.0.1:${outpost.port}/`, nproc: host.nproc };

    await prober.call('startProber', { mode: 'worker' });
    log(`probes in the worker thread: ${WARMUP_S} s warm-up, ${WINDOW_S} s steady`);
    await sleep(WARMUP_S * 1000);
    windows.push(await measureWindow(p, 'worker', WINDOW_S, undefined));
    log(`probes in the worker thread: ${WINDOW_S} s while autocannon saturates GET / (${LOAD.connections} connections)`);
    windows.push(await measureWindow(p, 'worker', WINDOW_S, LOAD));

    log(`for comparison, the same probes on Outpost's main thread: ${MAIN_WINDOW_S} s steady, ${MAIN_WINDOW_S} s under page load`);
    await prober.call('startProber', { mode: 'main' }, 30_000);
    await sleep(WARMUP_S * 1000);
    windows.push(await measureWindow(p, 'main', MAIN_WINDOW_S, undefined));
    windows.push(await measureWindow(p, 'main', MAIN_WINDOW_S, LOAD));
  } finally {
    await Promise.all([prober.stop(), target.stop()]);
  }

  log('storage: 1,000 probes x 1/min x 90 days into a SQLite file, then the 90-day bars');
  const storageChild = startChild<{ pid: number }>('./probe-storage.ts', 60_000);
  let storage: StorageResult;
  try {
    await storageChild.ready;
    storage = await storageChild.call<StorageResult>('run', undefined, 300_000);
  } finally {
    await storageChild.stop();
  }

  const partial: Omit<ProbeBenchResults, 'checks'> = {
    date: new Date(started).toISOString(),
    machine: host,
    settings: {
      ...PROBES,
      components: 50,
      concurrency: outpost.concurrency,
      warmupS: WARMUP_S,
      windowS: WINDOW_S,
      mainWindowS: MAIN_WINDOW_S,
      load: LOAD,
    },
    outpost: { seed: outpost.seed, pageBytes: outpost.pageBytes, rssAfterStartMB: mb(outpost.rssBytes) },
    windows,
    storage,
    durationS: Math.round((Date.now() - started) / 1000),
  };
  const results: ProbeBenchResults = { ...partial, checks: checks(partial) };
  console.log(formatReport(results));
  const dir = pathToFileURL(join(projectRoot, 'bench', 'results') + '/'); // the same folder from source or from dist
  mkdirSync(dir, { recursive: true });
  writeFileSync(new URL('probes.json', dir), JSON.stringify(results, null, 2) + '\n');
  log(`written bench/results/probes.json; ${results.durationS} s in all`);
  const failed = errors(results);
  for (const e of failed) console.error(`error: ${e}`);
  return failed.length > 0 ? 1 : 0;
}

runEntry(main);
