import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';

/** What a browser sends: without it the server would answer with identity bytes nobody gets in practice. */
const BROWSER = { 'accept-encoding': 'br, gzip' };
/** What a reload with "disable cache" sends; the server must answer it from the same prebuilt bytes. */
const NO_CACHE = { ...BROWSER, 'cache-control': 'no-cache', pragma: 'no-cache' };

export interface LoadOptions {
  connections: number;
  durationS: number;
  warmupS: number;
}

/** Reads a process's cumulative CPU time in microseconds (user + system). */
export type CpuReader = () => Promise<number>;

export interface LoadResult {
  url: string;
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Failed requests: connection errors, timeouts and non-2xx answers. */
  errors: number;
  /** Distinct ETags the no-cache requests were answered with. */
  noCacheEtags: number;
  /**
   * CPU used during the measured run, in cores (1.0 = one core busy all the time), by the server
   * and by autocannon: tells which of the two was the bottleneck.
   */
  serverCpu: number;
  generatorCpu: number;
  /**
   * Server CPU time per request, in microseconds: steadier than req/s on a shared machine, since it
   * does not depend on how much CPU the host handed out during the run.
   */
  serverUsPerRequest: number;
  /** Share of the machine's CPU time the hypervisor gave to others (Linux /proc/stat "steal"): noise. */
  stealPct: number;
}

/** Linux only; elsewhere steal reads as 0. */
function cpuTicks(): { steal: number; total: number } {
  let line = '';
  try {
    line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  } catch {
    return { steal: 0, total: 0 };
  }
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  return { steal: ticks[7] ?? 0, total: ticks.reduce((a, b) => a + b, 0) };
}

/**
 * Runs autocannon against one URL: a discarded warm-up (JIT, connection setup), then the measured
 * run. Every fourth request carries no-cache headers, for every target alike, so the baseline sees
 * the same request mix as Outpost.
 */
export async function measure(
  url: string,
  opts: LoadOptions,
  serverCpu: CpuReader,
  /** Called between the warm-up and the measured run: lets a caller time something else over exactly that run. */
  beforeMeasuredRun?: () => Promise<void>,
): Promise<LoadResult> {
  const run = (duration: number) =>
    autocannon({
      url,
      connections: opts.connections,
      duration,
      timeout: 10,
      // No onResponse: with one, autocannon gathers every body of that request, which at 12 KB a
      // page cost it a quarter of its throughput. The ETags no-cache requests get are sampled
      // beside the load instead (noCacheSampler).
      requests: [
        { method: 'GET', headers: BROWSER },
        { method: 'GET', headers: BROWSER },
        { method: 'GET', headers: BROWSER },
        { method: 'GET', headers: NO_CACHE },
      ],
    });
  await run(opts.warmupS);
  await beforeMeasuredRun?.();
  const [serverBefore, generatorBefore, ticksBefore, wallBefore] = [await serverCpu(), process.cpuUsage(), cpuTicks(), performance.now()];
  const sampler = noCacheSampler(url);
  const r = await run(opts.durationS);
  const etags = await sampler.stop();
  const wallUs = (performance.now() - wallBefore) * 1000;
  const generator = process.cpuUsage(generatorBefore);
  const serverUs = (await serverCpu()) - serverBefore;
  const ticks = cpuTicks();
  const stealPct = Math.round((100 * (ticks.steal - ticksBefore.steal)) / Math.max(1, ticks.total - ticksBefore.total));
  const cores = (us: number) => Math.round((us / wallUs) * 100) / 100;
  return {
    url,
    requests: r.requests.total,
    rps: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    errors: r.errors + r.timeouts + r.non2xx,
    noCacheEtags: etags.size,
    serverCpu: cores(serverUs),
    serverUsPerRequest: Math.round(serverUs / Math.max(1, r.requests.total)),
    generatorCpu: cores(generator.user + generator.system),
    stealPct,
  };
}

export interface Probe {
  status: number;
  etag: string | undefined;
  encoding: string | undefined;
}

/** One GET, headers only (the body is drained): used to compare ETags before and after load. */
export function probe(url: string, noCache: boolean): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: noCache ? NO_CACHE : BROWSER, timeout: 5_000 }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, etag: res.headers.etag, encoding: res.headers['content-encoding'] }),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`probe ${url}: timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * No-cache GETs, one every 50 ms (headers only), during the measured run: the distinct ETags they
 * are answered with. Under load, as autocannon's own no-cache requests are.
 */
function noCacheSampler(url: string): { stop(): Promise<Set<string>> } {
  const etags = new Set<string>();
  let stopped = false;
  const loop = (async () => {
    for (let i = 0; i < 10_000 && !stopped; i++) {
      const answer = await probe(url, true).catch(() => undefined);
      if (answer?.etag) etags.add(answer.etag);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return etags;
    },
  };
}
