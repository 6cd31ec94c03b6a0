import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRoot } from '../src/util/paths.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { pinLoadGenerator, productionRuntime, runEntry, startChild, type Child } from './ipc.js';
import { machine } from './machine.js';
import { fetchCopy, measurePair, probe, type LoadOptions, type Target } from './load.js';
import { checks, formatReport, mb, spread, type BenchResults, type Pair, type RunResult } from './report.js';
import type { BareReady } from './serve-bare.js';
import type { ChurnResult, OutpostReady, ProcessInfo, RebuildSample } from './serve-outpost.js';

/**
 * `npm run bench`: Outpost's public page under load, next to a bare Fastify server, steady and
 * while a component changes status every second. Design: each server runs in its own child process
 * and autocannon runs here, so the load generator's CPU and memory are not counted against the
 * server, and each server's rss is its own. Only one server is under load at a time, and the two
 * take turns in short rounds, so both see the same machine. The report prints how busy each side
 * was: on a small machine the load generator can be the bottleneck, and the table says when. About
 * 3 minutes.
 */

const LOAD: LoadOptions & { rounds: number } = { connections: 50, durationS: 4, warmupS: 2, rounds: 5 };
/**
 * Rebuilds timed, one status change each: enough for a p99 that is not simply the largest of a few
 * (a single pause of the shared machine), about 5 seconds.
 */
const REBUILD_SAMPLES = 100;
const ROUTES = { home: '/', summary: '/api/v2/summary.json' } as const;

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

interface Servers {
  outpost: Child<OutpostReady>;
  bare: Child<BareReady>;
  outpostUrl: string;
  bareUrl: string;
}

const cpuOf = (child: Child<unknown>) => async () => (await child.call<{ cpuUs: number }>('info')).cpuUs;

/**
 * Measures each route against the bare server in alternating rounds (measurePair). With `churn`, a
 * component changes status every second during Outpost's rounds, and not during the baseline's:
 * the rebuilds run in Outpost's process and would otherwise take CPU from the baseline too.
 */
async function loadRun(s: Servers, churn: boolean): Promise<{ run: RunResult; churn: ChurnResult }> {
  const total: ChurnResult = { changes: 0, builds: 0, failures: 0 };
  const bare: Target = { url: s.bareUrl, cpu: cpuOf(s.bare) };
  const pair = async (path: string): Promise<Pair> => {
    log(`  GET ${path}, in ${LOAD.rounds} rounds alternating with the bare server`);
    const outpost: Target = { url: s.outpostUrl + path, cpu: cpuOf(s.outpost) };
    if (churn) {
      outpost.beforeRound = () => s.outpost.call('churnStart');
      outpost.afterRound = async () => {
        const part = await s.outpost.call<ChurnResult>('churnStop');
        total.changes += part.changes;
        total.builds += part.builds;
        total.failures += part.failures;
      };
    }
    return measurePair(bare, outpost, LOAD);
  };
  const home = await pair(ROUTES.home);
  const summary = await pair(ROUTES.summary);
  return { run: { home, summary }, churn: total };
}

/**
 * Two references, not targets. The bare server sending a copy of `/` (its brotli bytes and every
 * header): what that response costs any Fastify handler on this machine, so that the rest of GET /'s
 * figure is Outpost's own work. And GET / with autocannon's own body handling left on: the figure as
 * plain autocannon reports it, where its string building, not the server, sets the pace.
 */
async function references(s: Servers): Promise<{ sameBytes: Pair; bodyText: Pair }> {
  log("  reference: the bare server sending a copy of GET /'s response");
  const copy = await fetchCopy(s.outpostUrl + ROUTES.home);
  await s.bare.call('mirror', { headers: copy.headers, bodyBase64: copy.body.toString('base64') });
  const bare: Target = { url: s.bareUrl, cpu: cpuOf(s.bare) };
  const sameBytes = await measurePair(bare, { url: s.bareUrl + 'mirror', cpu: cpuOf(s.bare) }, LOAD);
  log('  reference: GET / with autocannon decoding every body');
  const bodyText = await measurePair(bare, { url: s.outpostUrl + ROUTES.home, cpu: cpuOf(s.outpost) }, { ...LOAD, rounds: 1, decodeBodies: true });
  return { sameBytes, bodyText };
}

async function main(): Promise<number> {
  const started = Date.now();
  // Before any server starts, so that the calibration has the machine to itself.
  log('calibrating: how many CPUs really run in parallel');
  const host = await machine();
  log('starting the servers and seeding (50 components, 90 days, 300 incidents)');
  const outpost: Child<OutpostReady> = startChild('./serve-outpost.ts', 120_000, productionRuntime());
  const bare: Child<BareReady> = startChild('./serve-bare.ts', 60_000);
  // After the forks: a child inherits its parent's CPU affinity, and the servers must keep every CPU.
  const generatorCpu = pinLoadGenerator();
  log(generatorCpu ? `autocannon pinned to CPU ${generatorCpu}` : 'not pinned: the servers and autocannon share all CPUs');
  try {
    const [ready, bareReady] = await Promise.all([outpost.ready, bare.ready]);
    const outpostUrl = `http://127.0.0.1:${ready.port}`;
    const bareUrl = `http://127.0.0.1:${bareReady.port}/`;
    const servers: Servers = { outpost, bare, outpostUrl, bareUrl };

    log(`timing ${REBUILD_SAMPLES} rebuilds, each after one status change`);
    const sample = await outpost.call<RebuildSample>('rebuildSample', { count: REBUILD_SAMPLES }, 120_000);
    // Steady: the page as it is once it has stayed the same for a while, with its final compression.
    await outpost.call('settle');

    // The no-cache check: the same bytes before and after a load that includes no-cache requests,
    // and not one rebuild caused by any of them.
    const etags: Record<string, (string | undefined)[]> = {};
    for (const path of Object.values(ROUTES)) {
      etags[path] = [(await probe(outpostUrl + path, false)).etag, (await probe(outpostUrl + path, true)).etag];
    }
    const beforeSteady = await outpost.call<ProcessInfo>('info');
    log('steady run');
    const steady = await loadRun(servers, false);
    const afterSteady = await outpost.call<ProcessInfo>('info');
    const reference = await references(servers);
    for (const path of Object.values(ROUTES)) etags[path]!.push((await probe(outpostUrl + path, true)).etag);

    log('changing run: one status change per second while Outpost is measured');
    const changing = await loadRun(servers, true);
    const afterChanging = await outpost.call<ProcessInfo>('info');
    const bareInfo = await bare.call<{ rssBytes: number }>('info');

    const partial: Omit<BenchResults, 'checks'> = {
      date: new Date(started).toISOString(),
      machine: host,
      generatorCpu: generatorCpu ?? null,
      settings: { ...LOAD, rebuildSamples: REBUILD_SAMPLES },
      seed: ready.seed,
      pages: ready.pages,
      settle: ready.settle,
      runs: { steady: steady.run, changing: { ...changing.run, churn: changing.churn } },
      references: reference,
      rebuild: { buildMs: spread(sample.buildMs), publishMs: spread(sample.publishMs), buildsPerChange: sample.buildsPerChange },
      memoryMB: {
        afterSeed: mb(ready.rssBytes),
        afterSteady: mb(afterSteady.rssBytes),
        afterChanging: mb(afterChanging.rssBytes),
        peak: afterChanging.peakRssBytes === null ? null : mb(afterChanging.peakRssBytes),
        bare: mb(bareInfo.rssBytes),
      },
      noCache: { etags, buildsDuringSteady: afterSteady.stats.builds - beforeSteady.stats.builds },
    };
    const results: BenchResults = { ...partial, checks: checks(partial) };

    console.log(formatReport(results));
    const dir = pathToFileURL(join(projectRoot, 'bench', 'results') + '/'); // the same folder from source or from dist
    mkdirSync(dir, { recursive: true });
    writeFileSync(new URL('latest.json', dir), JSON.stringify(results, null, 2) + '\n');
    log(`written bench/results/latest.json; ${Math.round((Date.now() - started) / 1000)} s in all`);
    // A failed request means the figures above do not describe a working server: that is an error.
    return results.checks.find((c) => c.name.startsWith('failed requests'))?.pass ? 0 : 1;
  } finally {
    await Promise.all([outpost.stop(), bare.stop()]);
  }
}

runEntry(main);
