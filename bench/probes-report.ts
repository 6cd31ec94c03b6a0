import type { Contention } from './cpu.js';
import type { LoadOptions, LoadResult } from './load.js';
import type { Machine } from './machine.js';
import type { StorageResult } from './probe-storage.js';
import { mb, type Check } from './report.js';
import type { SeedSummary } from './seed.js';
import type { ProberMode, WindowStats } from './serve-prober.js';

/** The issue's targets. Missing one is reported, never an exit code: the numbers depend on the machine. */
export const TARGETS = { maxLagP99Ms: 200, maxRssMB: 300, maxLatencyGrowthMs: 5, maxDbMB: 500, maxSnapshotMs: 20 } as const;

/** One measured window, with what the rest of the machine was doing meanwhile. */
export interface WindowResult extends WindowStats {
  state: 'steady' | 'page load';
  /** Cores used by the target server, by this process (autocannon), and by every other process on the machine. */
  targetCpu: number;
  generatorCpu: number;
  othersCpu: number | null;
  stealPct: number | null;
  /** The autocannon run that covered the window, for the loaded ones. */
  load?: LoadResult;
}

export interface ProbeBenchResults {
  date: string;
  machine: Machine;
  settings: { probes: number; components: number; intervalMs: number; timeoutMs: number; concurrency: number; warmupS: number; windowS: number; mainWindowS: number; load: LoadOptions };
  outpost: { seed: SeedSummary; pageBytes: { identity: number; br: number }; rssAfterStartMB: number };
  windows: WindowResult[];
  storage: StorageResult;
  durationS: number;
  checks: Check[];
}

/** Other processes' share of the machine while a window was measured, where it is large enough to matter. */
export const NOISY_CORES = 0.25;
const others = (...windows: WindowResult[]) => {
  const cores = windows.map((w) => w.othersCpu ?? 0);
  return Math.max(...cores) >= NOISY_CORES ? `; others took ${cores.join(' / ')} cores` : '';
};

const find = (r: Pick<ProbeBenchResults, 'windows'>, mode: ProberMode, state: WindowResult['state']) => r.windows.find((w) => w.mode === mode && w.state === state);

/** p50 under load minus p50 steady, for the probes' measured latency of the loopback target. */
export function latencyGrowth(r: Pick<ProbeBenchResults, 'windows'>, mode: ProberMode): number | null {
  const steady = find(r, mode, 'steady');
  const loaded = find(r, mode, 'page load');
  return steady && loaded ? Math.round((loaded.latencyMs.p50 - steady.latencyMs.p50) * 100) / 100 : null;
}

export function checks(r: Omit<ProbeBenchResults, 'checks'>): Check[] {
  const out: Check[] = [];
  const steady = find(r, 'worker', 'steady')!;
  const loaded = find(r, 'worker', 'page load')!;
  const { probes, intervalMs } = r.settings;
  out.push({
    name: `schedule lag p99, ${probes} probes / ${intervalMs / 1000} s, steady`,
    value: `${steady.lagMs.p99} ms${others(steady)}`,
    target: `< ${TARGETS.maxLagP99Ms} ms`,
    pass: steady.lagMs.p99 < TARGETS.maxLagP99Ms,
  });
  out.push({
    name: 'schedule lag p99 under page load',
    value: `${loaded.lagMs.p99} ms${others(loaded)}`,
    target: `< ${TARGETS.maxLagP99Ms} ms`,
    pass: loaded.lagMs.p99 < TARGETS.maxLagP99Ms,
  });
  const growth = latencyGrowth(r, 'worker')!;
  out.push({
    name: 'measured target latency growth under page load (p50)',
    value: `${growth >= 0 ? '+' : ''}${growth} ms (${steady.latencyMs.p50} -> ${loaded.latencyMs.p50})${others(steady, loaded)}`,
    target: `< ${TARGETS.maxLatencyGrowthMs} ms`,
    pass: growth < TARGETS.maxLatencyGrowthMs,
  });
  const rss = Math.max(steady.rssMB.max, loaded.rssMB.max);
  out.push({ name: 'Outpost resident memory (max, worker windows)', value: `${rss} MB`, target: `< ${TARGETS.maxRssMB} MB`, pass: rss < TARGETS.maxRssMB });
  const s = r.storage;
  const dbMB = mb(s.bytes.db + s.bytes.wal);
  out.push({
    name: `database file, ${s.shape.probes} probes x 1/min x ${s.shape.days} days`,
    value: `${dbMB} MB`,
    target: `< ${TARGETS.maxDbMB} MB`,
    pass: dbMB < TARGETS.maxDbMB,
  });
  const snap = s.snapshot.buildSnapshotMs;
  out.push({
    name: `90-day bars of ${s.shape.components} components (buildSnapshot, median of ${s.snapshot.samples})`,
    value: `${snap.p50} ms (p99 ${snap.p99})${(s.noise.snapshot?.othersCores ?? 0) >= NOISY_CORES ? `; others took ${s.noise.snapshot!.othersCores} cores` : ''}`,
    target: `< ${TARGETS.maxSnapshotMs} ms`,
    pass: snap.p50 < TARGETS.maxSnapshotMs,
  });
  // Sanity: figures about runs that did not happen, or were not stored, or failed, describe nothing.
  const workers = [steady, loaded];
  const runs = workers.reduce((n, w) => n + w.runs, 0);
  const expected = workers.reduce((n, w) => n + w.expectedRuns, 0);
  out.push({ name: 'runs on schedule (worker windows)', value: `${runs} of ${expected}`, target: '>= 98%', pass: runs >= 0.98 * expected });
  const all = r.windows;
  const stored = all.reduce((n, w) => n + w.storedRows, 0);
  const measured = all.reduce((n, w) => n + w.runs, 0);
  out.push({ name: 'runs stored by the monitor (all windows)', value: `${stored} of ${measured}`, target: 'all', pass: stored === measured && all.every((w) => w.store.errors === 0) });
  const failures = all.reduce((n, w) => n + w.failures, 0);
  out.push({ name: 'failed probe runs against the loopback target', value: String(failures), target: '0', pass: failures === 0 });
  return out;
}

/** A failure of the bench itself rather than a missed target: the process exits non-zero. */
export function errors(r: ProbeBenchResults): string[] {
  const out: string[] = [];
  for (const w of r.windows) {
    const name = `${w.mode} ${w.state}`;
    if (w.runs === 0) out.push(`${name}: no probe ran`);
    if (w.bugs > 0) out.push(`${name}: ${w.bugs} probe runs threw (bugs in Outpost)`);
    if (w.store.errors > 0) out.push(`${name}: storing results failed ${w.store.errors} times`);
    if (w.dropped > 0) out.push(`${name}: ${w.dropped} reports not sampled`);
  }
  return out;
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);
const num = (n: number | null | undefined, digits = 1) => (n === null || n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits));
const thousands = (n: number) => n.toLocaleString('en-US');
const noise = (c: Contention | null) => (c ? `; other processes took ${c.othersCores} cores meanwhile${c.stealPct > 0 ? `, steal ${c.stealPct}%` : ''}` : '');

export function formatReport(r: ProbeBenchResults): string {
  const lines: string[] = [];
  const m = r.machine;
  const set = r.settings;
  lines.push(`Outpost probe engine benchmark, ${r.date} (${r.durationS} s)`);
  lines.push(`machine: ${m.nproc} CPUs (${m.effectiveCores} effective in parallel), ${m.cpu}, ${m.memTotalMB} MB RAM, Node ${m.node} (${m.platform})`);
  if (m.effectiveCores < 1.5) {
    lines.push('  note: about one core ran at a time when calibrated: Outpost, the target and autocannon share it; latencies under load are pessimistic.');
  }
  lines.push('');
  lines.push(`1-2. Scheduling and isolation: ${thousands(set.probes)} HTTP probes every ${set.intervalMs / 1000} s (timeout ${set.timeoutMs / 1000} s, concurrency ${set.concurrency}) over ${set.components} components,`);
  lines.push('  against one loopback HTTP server in its own process (200, 3 bytes, a fresh connection per probe), run by the real ProberHost');
  lines.push('  (worker thread) and stored by the real Monitor in an Outpost process serving the seeded 50-component page');
  lines.push(
    `  (${r.outpost.seed.historyRows} history rows, ${r.outpost.seed.incidents} incidents; GET / is ${thousands(r.outpost.pageBytes.identity)} bytes, ${thousands(r.outpost.pageBytes.br)} brotli), with its 60 s page refresh on.`,
  );
  lines.push(
    `  Worker windows ${set.windowS} s after ${set.warmupS} s of warm-up; page load: autocannon from this process, ${set.load.connections} connections on GET / ` +
      `(${set.load.warmupS} s warm-up, then the window). Then the same probes on Outpost's main thread (ProbeRunner), ${set.mainWindowS} s windows, for comparison.`,
  );
  lines.push(
    `  Outpost rss before the probes start: ${r.outpost.rssAfterStartMB} MB. Run from source under tsx, whose loader sits in the main thread and again in`,
  );
  lines.push('  the probe worker: a built server (node dist/src/server.js) carries neither.');
  lines.push('');
  lines.push(
    `${pad('probes on', 11)}${pad('state', 11)}${lpad('runs', 13)}${lpad('lag p50', 9)}${lpad('p99', 7)}${lpad('max', 7)}` +
      `${lpad('target p50', 12)}${lpad('p99', 7)}${lpad('fail', 6)}${lpad('CPU all', 9)}${lpad('main', 6)}${lpad('other', 7)}${lpad('rss max', 9)}` +
      `${lpad('loop p99', 10)}${lpad('store p99', 11)}${lpad('page req/s', 12)}${lpad('others', 8)}`,
  );
  lines.push(
    `${pad('', 11)}${pad('', 11)}${lpad('(expected)', 13)}${lpad('ms', 9)}${lpad('ms', 7)}${lpad('ms', 7)}${lpad('ms', 12)}${lpad('ms', 7)}${lpad('', 6)}` +
      `${lpad('cores', 9)}${lpad('', 6)}${lpad('', 7)}${lpad('MB', 9)}${lpad('ms', 10)}${lpad('ms', 11)}${lpad('(p99 ms)', 12)}${lpad('cores', 8)}`,
  );
  for (const w of r.windows) {
    lines.push(
      `${pad(w.mode === 'worker' ? 'worker' : 'main thr.', 11)}${pad(w.state, 11)}${lpad(`${w.runs}/${w.expectedRuns}`, 13)}` +
        `${lpad(num(w.lagMs.p50, 0), 9)}${lpad(num(w.lagMs.p99, 0), 7)}${lpad(num(w.lagMs.max, 0), 7)}` +
        `${lpad(num(w.latencyMs.p50, 2), 12)}${lpad(num(w.latencyMs.p99, 2), 7)}${lpad(String(w.failures), 6)}` +
        `${lpad(num(w.cpu.process, 2), 9)}${lpad(num(w.cpu.mainThread, 2), 6)}${lpad(num(w.cpu.otherThreads, 2), 7)}${lpad(num(w.rssMB.max, 0), 9)}` +
        `${lpad(num(w.mainLoopDelayMs.p99, 0), 10)}${lpad(num(w.store.batchMs.p99, 1), 11)}` +
        `${lpad(w.load ? `${Math.round(w.load.rps)} (${w.load.p99Ms})` : '-', 12)}${lpad(num(w.othersCpu, 2), 8)}`,
    );
  }
  lines.push('  lag: startedAt - plannedAt of every run started in the window. target: result.latencyMs of the successful runs, i.e. the');
  lines.push('  loopback server as the probes measured it. CPU: the Outpost process (worker thread included), its main thread (page serving and');
  lines.push('  storing), and its other threads (the probe worker, GC, libuv). loop p99: main-thread event loop delay. store: Monitor.handle');
  lines.push('  per flushed batch, main thread. others: cores used meanwhile by processes other than Outpost, the target and autocannon.');
  const perRun = (w: WindowResult) => Math.round((w.cpu.process * w.durationS * 1e6) / Math.max(1, w.runs));
  const steadyWindows = r.windows.filter((w) => w.state === 'steady');
  lines.push(`  prober CPU per run, steady (the whole Outpost process, storing included): ${steadyWindows.map((w) => `${perRun(w)} µs with probes in the ${w.mode === 'worker' ? 'worker' : 'main thread'}`).join(', ')}.`);
  const gw = latencyGrowth(r, 'worker');
  const gm = latencyGrowth(r, 'main');
  lines.push(`  target latency growth under page load (p50): ${gw === null ? '-' : `${gw} ms`} with probes in the worker, ${gm === null ? '-' : `${gm} ms`} with probes on the main thread.`);
  const noisy = r.windows.filter((w) => (w.othersCpu ?? 0) >= NOISY_CORES);
  if (noisy.length > 0) {
    lines.push(
      `  warning: other processes on this machine took ${noisy.map((w) => `${w.othersCpu} cores during ${w.mode} ${w.state}`).join(', ')} (of ${m.nproc}): ` +
        'those windows measure a shared machine; compare them with care, or rerun on a quiet one.',
    );
  }
  for (const w of r.windows) {
    const codes = Object.entries(w.failureCodes);
    if (codes.length > 0) lines.push(`  ${w.mode} ${w.state} failures: ${codes.map(([code, n]) => `${code} x${n}`).join(', ')}`);
    if (w.load && w.load.errors > 0) lines.push(`  ${w.mode} ${w.state}: ${w.load.errors} page requests failed`);
  }

  const s = r.storage;
  const MiB = (bytes: number) => `${mb(bytes)} MB`;
  lines.push('');
  lines.push(
    `3. Storage: ${thousands(s.shape.probes)} probes x one result a minute x ${s.shape.days} days in a real SQLite file (injected clock; probe ids of ${s.shape.probeIdChars} characters):`,
  );
  lines.push(
    `  the last ${s.shape.sliceMinutes} minutes through Monitor.handle (batches of ${s.monitor.batchResults}) and the 5-minute housekeeping; before that ${s.shape.rawRetentionH} h of raw rows`,
  );
  lines.push(
    `  and every earlier hour as rollups, in bulk transactions (see bench/probe-storage.ts); built in ${s.buildS.total} s (rollups ${s.buildS.hourly} s, raw ${s.buildS.raw} s, ` +
      `slice ${s.buildS.slice} s)${noise(s.noise.build)}.`,
  );
  lines.push(
    `  rows: ${thousands(s.rows.raw)} raw results, ${thousands(s.rows.hourly)} hourly rollups, ${thousands(s.rows.daily)} daily status rows, ` +
      `${s.rows.statusEvents} status changes, ${s.rows.incidents} incidents`,
  );
  const b = s.bytes.byObject;
  const sum = (...names: string[]) => names.reduce((n, k) => n + (b[k] ?? 0), 0);
  const raw = sum('probe_results', 'probe_results_by_probe', 'probe_results_by_time');
  const hourly = sum('probe_hourly', 'probe_hourly_open');
  lines.push(
    `  file: ${MiB(s.bytes.db)} (WAL ${MiB(s.bytes.wal)} after checkpoint, ${MiB(s.bytes.free)} free pages): raw results ${MiB(raw)} ` +
      `(table ${MiB(b.probe_results ?? 0)}, by probe ${MiB(b.probe_results_by_probe ?? 0)}, by time ${MiB(b.probe_results_by_time ?? 0)}; ${s.perRow.raw} bytes a row), ` +
      `rollups ${MiB(hourly)} (${s.perRow.hourly} bytes a row), everything else ${MiB(s.bytes.db - raw - hourly)}`,
  );
  const rollupRows400 = s.shape.probes * 24 * 400;
  lines.push(
    `  at the default (and minimum) rollup_retention of 400 days the rollups alone would be ${MiB(rollupRows400 * s.perRow.hourly)} ` +
      `(${thousands(rollupRows400)} rows), the file about ${MiB(raw + rollupRows400 * s.perRow.hourly)}.`,
  );
  const rawRows2000 = (set.probes * 48 * 3_600_000) / set.intervalMs;
  lines.push(
    `  at ${thousands(set.probes)} probes every ${set.intervalMs / 1000} s (part 1's load), 48 h of raw results are ${thousands(rawRows2000)} rows: about ${MiB(rawRows2000 * s.perRow.raw)}.`,
  );
  const mon = s.monitor;
  const hk = s.housekeeping;
  lines.push(
    `  Monitor.handle, ${mon.batchResults} results a batch: p50 ${mon.batchMs.p50} ms, max ${mon.batchMs.max} ms (${mon.usPerResult} µs a result); ${mon.statusChanges} status changes from the failing probes.`,
  );
  lines.push(
    `  housekeeping (main thread): finalizeHours ${hk.finalizeMs.max} ms for ${Math.max(...hk.finalizedPerCall)} probe-hours; ` +
      `prune p50 ${hk.pruneMs.p50} ms, max ${hk.pruneMs.max} ms (deleting ${hk.prunedPerCall.join(', ')} raw rows).`,
  );
  const snap = s.snapshot;
  lines.push(
    `  buildSnapshot (50 components, 90-day bars, 300 incidents): p50 ${snap.buildSnapshotMs.p50} ms, p99 ${snap.buildSnapshotMs.p99} ms, max ${snap.buildSnapshotMs.max} ms over ${snap.samples} builds${noise(s.noise.snapshot)}.`,
  );
  lines.push(
    `  publisher.rebuild() with every component charting its probes' latency (show_latency), ${snap.rebuilds} rebuilds: snapshot stage p50 ${snap.rebuildSnapshotStageMs.p50} ms, ` +
      `synchronous build p50 ${num(snap.rebuildBuildMs.p50, 0)} ms; stages of the last (ms): ${Object.entries(snap.lastStages).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
  );
  lines.push('');
  const width = Math.max(...r.checks.map((c) => c.name.length)) + 2;
  const valueWidth = Math.max(...r.checks.map((c) => c.value.length)) + 2;
  for (const c of r.checks) lines.push(`${c.pass ? 'PASS' : 'FAIL'}  ${pad(c.name, width)}${pad(c.value, valueWidth)}${c.target}`);
  return lines.join('\n');
}
