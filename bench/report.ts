import type { LoadResult } from './load.js';
import type { Machine } from './machine.js';
import type { SeedSummary } from './seed.js';
import type { ChurnResult, OutpostReady } from './serve-outpost.js';

/** The issue's targets. Missing one is reported, never an exit code: the numbers depend on the machine. */
export const TARGETS = { minRatio: 0.7, maxP99Ms: 20, maxBuildMs: 25, maxRssMB: 150 } as const;

/**
 * autocannon is single-threaded: at about one busy core it, not the server, sets the pace, and the
 * figure is a lower bound for the server.
 */
const GENERATOR_BOUND = 0.9;
const bound = (load: LoadResult) => (load.generatorCpu >= GENERATOR_BOUND ? ' (generator-bound)' : '');

/** One route and the bare-server run measured just before it. */
export interface Pair {
  bare: LoadResult;
  outpost: LoadResult;
}

export interface RunResult {
  home: Pair;
  summary: Pair;
}

const ROUTE_LABELS = [
  ['home', 'GET /'],
  ['summary', 'GET /api/v2/summary.json'],
] as const;

export interface Spread {
  p50: number;
  p99: number;
  max: number;
}

export interface Check {
  name: string;
  value: string;
  target: string;
  pass: boolean;
}

export interface BenchResults {
  date: string;
  machine: Machine;
  /** The CPU the load generator was pinned to (the servers use every CPU), or null when not pinned. */
  generatorCpu: string | null;
  settings: { connections: number; durationS: number; warmupS: number; rounds: number; rebuildSamples: number };
  seed: SeedSummary;
  pages: OutpostReady['pages'];
  settle: OutpostReady['settle'];
  runs: { steady: RunResult; changing: RunResult & { churn: ChurnResult } };
  /**
   * For reference, not targets: the bare server sending a copy of GET /'s response, and GET / with
   * autocannon's body strings on; each beside the bare 2 KB baseline.
   */
  references: { sameBytes: Pair; bodyText: Pair };
  rebuild: { buildMs: Spread; publishMs: Spread; buildsPerChange: number };
  /** peak: the most the server was resident at any moment of the run (VmHWM), null off Linux. */
  memoryMB: { afterSeed: number; afterSteady: number; afterChanging: number; peak: number | null; bare: number };
  /** ETags of each route: before the steady run (plain, then no-cache) and after it (no-cache). */
  noCache: { etags: Record<string, (string | undefined)[]>; buildsDuringSteady: number };
  checks: Check[];
}

export const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;

/** Nearest-rank percentiles: of 100 samples, p99 is the second largest; below 100 it is the maximum. */
export function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? NaN;
  const round = (n: number) => Math.round(n * 100) / 100;
  return { p50: round(at(0.5)), p99: round(at(0.99)), max: round(sorted.at(-1) ?? NaN) };
}

export function checks(r: Omit<BenchResults, 'checks'>): Check[] {
  const out: Check[] = [];
  for (const [runName, run] of Object.entries(r.runs)) {
    for (const [key, route] of ROUTE_LABELS) {
      const { bare, outpost: load } = run[key];
      const ratio = load.rps / bare.rps;
      out.push({
        name: `${runName} ${route} req/s vs bare`,
        value: ratio.toFixed(2) + bound(load),
        target: `>= ${TARGETS.minRatio}`,
        pass: ratio >= TARGETS.minRatio,
      });
      out.push({ name: `${runName} ${route} p99`, value: `${load.p99Ms} ms`, target: `< ${TARGETS.maxP99Ms} ms`, pass: load.p99Ms < TARGETS.maxP99Ms });
    }
  }
  out.push({
    name: 'snapshot rebuild (sync part) p99',
    value: `${r.rebuild.buildMs.p99} ms`,
    target: `< ${TARGETS.maxBuildMs} ms`,
    pass: r.rebuild.buildMs.p99 < TARGETS.maxBuildMs,
  });
  const rss = r.memoryMB.peak ?? Math.max(r.memoryMB.afterSeed, r.memoryMB.afterSteady, r.memoryMB.afterChanging);
  out.push({ name: `Outpost resident memory (${r.memoryMB.peak === null ? 'max of samples' : 'peak'})`, value: `${rss} MB`, target: `< ${TARGETS.maxRssMB} MB`, pass: rss < TARGETS.maxRssMB });
  const { churn } = r.runs.changing;
  const requests = r.runs.changing.home.outpost.requests + r.runs.changing.summary.outpost.requests;
  out.push({
    name: 'no stampede: builds during changing run',
    value: `${churn.builds} builds / ${churn.changes} changes / ${requests} requests`,
    target: 'builds <= changes + 1',
    pass: churn.changes > 0 && churn.builds <= churn.changes + 1 && churn.failures === 0,
  });
  const sameBytes =
    Object.values(r.noCache.etags).every((tags) => tags.length > 0 && tags[0] !== undefined && new Set(tags).size === 1) &&
    r.runs.steady.home.outpost.noCacheEtags === 1 &&
    r.runs.steady.summary.outpost.noCacheEtags === 1;
  out.push({
    name: 'no-cache requests served from the cache',
    value: `${r.noCache.buildsDuringSteady} builds, ${sameBytes ? 'same' : 'different'} ETags`,
    target: '0 builds, same ETags',
    pass: r.noCache.buildsDuringSteady === 0 && sameBytes,
  });
  const loads = [
    ...[r.runs.steady, r.runs.changing].flatMap((run) => [run.home.bare, run.home.outpost, run.summary.bare, run.summary.outpost]),
    ...Object.values(r.references).flatMap((pair) => [pair.bare, pair.outpost]),
  ];
  const errors = loads.reduce((n, l) => n + l.errors, 0);
  out.push({ name: 'failed requests (errors, timeouts, non-2xx)', value: String(errors), target: '0', pass: errors === 0 });
  return out;
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

export function formatReport(r: BenchResults): string {
  const lines: string[] = [];
  const m = r.machine;
  lines.push(`Outpost benchmark, ${r.date}`);
  lines.push(`machine: ${m.nproc} CPUs (${m.effectiveCores} effective in parallel), ${m.cpu}, ${m.memTotalMB} MB RAM, Node ${m.node} (${m.platform})`);
  if (m.effectiveCores < 1.5) {
    lines.push('  note: about one core ran at a time when calibrated: server and autocannon compete, req/s and p99 are pessimistic and noisy.');
  }
  lines.push(r.generatorCpu ? `autocannon pinned to CPU ${r.generatorCpu} (taskset); the servers may use every CPU` : 'not pinned: the servers and autocannon shared all CPUs');
  lines.push(
    `page: ${r.seed.components} components in ${r.seed.groups} groups, ${r.seed.days} days of history (${r.seed.historyRows} rows), ` +
      `${r.seed.incidents} incidents (${r.seed.unresolved} open, ${r.seed.updates} updates), seeded in ${Math.round(r.seed.seedMs)} ms`,
  );
  for (const [path, size] of Object.entries(r.pages)) {
    const quick = size.quickBr === undefined ? '' : ` once settled (in ${r.settle.ms} ms), ${size.quickBr} brotli until then (${r.settle.afterMs / 1000} s unchanged)`;
    lines.push(`  ${path}: ${size.identity} bytes, ${size.br} brotli${quick}`);
  }
  lines.push(
    `load: autocannon (without building body strings), ${r.settings.connections} connections, accept-encoding: br, gzip; 1 request in 4 with no-cache headers`,
  );
  lines.push(
    `each route: ${r.settings.rounds} rounds of ${r.settings.durationS} s alternating with the bare server (A B, B A, ...) after ${r.settings.warmupS} s warm-ups; ratios are against those rounds`,
  );
  lines.push('');
  lines.push(
    `${pad('run', 10)}${pad('target', 28)}${lpad('req/s', 10)}${lpad('ratio', 8)}${lpad('p50 ms', 8)}${lpad('p99 ms', 8)}` +
      `${lpad('max ms', 8)}${lpad('requests', 10)}${lpad('srv CPU', 9)}${lpad('gen CPU', 9)}${lpad('steal', 7)}${lpad('µs/req', 8)}`,
  );
  const tables = [
    ...Object.entries(r.runs).map(([runName, run]) => [runName, ROUTE_LABELS.map(([key, label]) => [label, run[key]] as const)] as const),
    [
      'reference',
      [
        ["bare, a copy of /'s response", r.references.sameBytes],
        ['GET / (body strings)', r.references.bodyText],
      ],
    ] as const,
  ];
  for (const [runName, pairs] of tables) {
    const rows = pairs.flatMap(([label, pair]) => [['  bare Fastify, 2 KB JSON', pair.bare, pair.bare], [label, pair.outpost, pair.bare]] as const);
    for (const [label, load, bare] of rows) {
      lines.push(
        `${pad(runName, 10)}${pad(label, 28)}${lpad(Math.round(load.rps).toString(), 10)}${lpad((load.rps / bare.rps).toFixed(2), 8)}` +
          `${lpad(String(load.p50Ms), 8)}${lpad(String(load.p99Ms), 8)}${lpad(String(load.maxMs), 8)}${lpad(String(load.requests), 10)}` +
          `${lpad(load.serverCpu.toFixed(2), 9)}${lpad(load.generatorCpu.toFixed(2) + (bound(load) ? '*' : ' '), 10)}${lpad(`${load.stealPct}%`, 6)}${lpad(String(load.serverUsPerRequest), 8)}`,
      );
    }
  }
  lines.push('req/s of each round, in the order run (rounds alternate: bare first, then the route first, ...):');
  for (const [runName, pairs] of tables) {
    for (const [label, pair] of pairs) {
      const k = (n: number) => `${(n / 1000).toFixed(1)}k`;
      // Each round's ratio against the bare round next to it: how far one reading of the ratio moves here.
      const ratios = pair.outpost.roundRps.map((rps, i) => rps / (pair.bare.roundRps[i] ?? NaN)).sort((a, b) => a - b);
      const median = ratios[Math.floor(ratios.length / 2)] ?? NaN;
      lines.push(
        `  ${pad(runName, 10)}${pad(label, 28)}bare ${pair.bare.roundRps.map(k).join(' ')}  route ${pair.outpost.roundRps.map(k).join(' ')}` +
          `  ratios ${ratios[0]?.toFixed(2)}–${ratios.at(-1)?.toFixed(2)}, median ${median.toFixed(2)}`,
      );
    }
  }
  const { buildMs, publishMs } = r.rebuild;
  lines.push('');
  lines.push(`rebuild after a status change (${r.settings.rebuildSamples} samples, ${r.rebuild.buildsPerChange} builds per change):`);
  lines.push(`  lastBuildMs   (load, compute, render) p50 ${buildMs.p50}  p99 ${buildMs.p99}  max ${buildMs.max}`);
  lines.push(`  lastPublishMs (incl. compression)     p50 ${publishMs.p50}  p99 ${publishMs.p99}  max ${publishMs.max}`);
  const mem = r.memoryMB;
  lines.push(
    `Outpost rss: ${mem.afterSeed} MB after seeding, ${mem.afterSteady} MB after steady load, ${mem.afterChanging} MB after changing load` +
      `${mem.peak === null ? '' : `, ${mem.peak} MB at its peak`} (bare server: ${mem.bare} MB)`,
  );
  const churn = r.runs.changing.churn;
  lines.push(`changing run: ${churn.changes} status changes, ${churn.builds} rebuilds, ${churn.failures} failures; no-cache ETags seen: ${r.runs.changing.home.outpost.noCacheEtags} on /, ${r.runs.changing.summary.outpost.noCacheEtags} on summary`);
  lines.push('CPU: cores busy during the measured run, in the server and in autocannon (this process); steal: CPU time the hypervisor took;');
  lines.push('µs/req: server CPU time per request, the figure least affected by a noisy machine.');
  lines.push(`* autocannon near one full core: it, not the server, set the pace; req/s is a lower bound for the server.`);
  lines.push("reference, not targets: the bare server sending a byte-for-byte copy of GET /'s response (headers and brotli body), which is");
  lines.push('  what that response costs any Fastify handler here; and GET / with autocannon as it comes, appending every body to a string (mcollina/autocannon#485).');
  lines.push('');
  const width = Math.max(...r.checks.map((c) => c.name.length)) + 2;
  const valueWidth = Math.max(...r.checks.map((c) => c.value.length)) + 2;
  for (const c of r.checks) lines.push(`${c.pass ? 'PASS' : 'FAIL'}  ${pad(c.name, width)}${pad(c.value, valueWidth)}${c.target}`);
  return lines.join('\n');
}
