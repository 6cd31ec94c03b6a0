import autocannon from 'autocannon';
import { request } from 'node:http';
import { machineTicks } from './cpu.js';

/** What a browser sends: without it the server would answer with identity bytes nobody gets in practice. */
const BROWSER = { 'accept-encoding': 'br, gzip' };
/** What a reload with "disable cache" sends; the server must answer it from the same prebuilt bytes. */
const NO_CACHE = { ...BROWSER, 'cache-control': 'no-cache', pragma: 'no-cache' };

export interface LoadOptions {
  connections: number;
  durationS: number;
  warmupS: number;
  /**
   * Leave autocannon's own body handling on: it appends every body chunk to a string
   * (mcollina/autocannon#485), a UTF-8 decode of each compressed byte that no option turns off.
   * On 12 KB of brotli that cost the generator 250 µs per response, four times the server's work,
   * so the figure described the generator. Off by default; the report keeps one run with it on.
   */
  decodeBodies?: boolean;
}

/**
 * autocannon's `setupClient` hook, given each connection's client: replaces the queue's body
 * concatenation with nothing. The HTTP parser still reads every byte, the byte counts and timings
 * are kept; only the string nobody reads is not built.
 */
function skipBodyText(client: { pipelinedRequests: { addBody(data: Buffer): void } }): void {
  client.pipelinedRequests.addBody = () => {};
}

/** Reads a process's cumulative CPU time in microseconds (user + system). */
export type CpuReader = () => Promise<number>;

export interface LoadResult {
  url: string;
  requests: number;
  rps: number;
  /** Requests/s of each measured round, in order: how much the machine moved during the measurement. */
  roundRps: number[];
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

/**
 * One target's share of a measurement, added up over its rounds: requests, exact latencies (from
 * autocannon's per-response event, so rounds merge into one distribution), CPU on both sides.
 */
class Tally {
  requests = 0;
  seconds = 0;
  errors = 0;
  latencies: number[] = [];
  roundRps: number[] = [];
  serverUs = 0;
  generatorUs = 0;
  wallUs = 0;
  stealTicks = 0;
  totalTicks = 0;
  etags = new Set<string>();

  result(url: string): LoadResult {
    const sorted = Float64Array.from(this.latencies).sort();
    const at = (q: number) => Math.round((sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN) * 10) / 10;
    const cores = (us: number) => Math.round((us / Math.max(1, this.wallUs)) * 100) / 100;
    return {
      url,
      requests: this.requests,
      rps: this.requests / Math.max(this.seconds, 1e-9),
      roundRps: this.roundRps,
      p50Ms: at(0.5),
      p99Ms: at(0.99),
      maxMs: at(1),
      errors: this.errors,
      noCacheEtags: this.etags.size,
      serverCpu: cores(this.serverUs),
      serverUsPerRequest: Math.round(this.serverUs / Math.max(1, this.requests)),
      generatorCpu: cores(this.generatorUs),
      stealPct: Math.round((100 * this.stealTicks) / Math.max(1, this.totalTicks)),
    };
  }
}

/** A server under load: its URL, how to read its CPU time, and what to do around each of its rounds. */
export interface Target {
  url: string;
  cpu: CpuReader;
  /** Called before each measured round of this target (after its warm-up). */
  beforeRound?: () => Promise<void>;
  /** Called after each measured round of this target. */
  afterRound?: () => Promise<void>;
}

/**
 * Every fourth request carries no-cache headers, for every target alike, so the baseline sees the
 * same request mix as Outpost. `latencies`, when given, receives every response time in ms.
 */
function load(url: string, opts: LoadOptions, durationS: number, latencies?: number[]): Promise<autocannon.Result> {
  const instance = autocannon({
    url,
    connections: opts.connections,
    duration: durationS,
    timeout: 10,
    // No onResponse: the ETags no-cache requests get are sampled beside the load instead
    // (noCacheSampler), so no body is ever read here.
    setupClient: opts.decodeBodies ? undefined : skipBodyText,
    requests: [
      { method: 'GET', headers: BROWSER },
      { method: 'GET', headers: BROWSER },
      { method: 'GET', headers: BROWSER },
      { method: 'GET', headers: NO_CACHE },
    ],
  });
  if (latencies) instance.on('response', (_client, _status, _bytes, responseTime) => void latencies.push(responseTime));
  return Promise.resolve(instance);
}

async function round(target: Target, opts: LoadOptions, tally: Tally): Promise<void> {
  await target.beforeRound?.();
  try {
    const [serverBefore, generatorBefore, ticksBefore, wallBefore] = [await target.cpu(), process.cpuUsage(), machineTicks(), performance.now()];
    const sampler = noCacheSampler(target.url);
    const r = await load(target.url, opts, opts.durationS, tally.latencies);
    for (const etag of await sampler.stop()) tally.etags.add(etag);
    tally.wallUs += (performance.now() - wallBefore) * 1000;
    const generator = process.cpuUsage(generatorBefore);
    tally.generatorUs += generator.user + generator.system;
    tally.serverUs += (await target.cpu()) - serverBefore;
    const ticks = machineTicks(); // Linux only; elsewhere steal reads as 0
    if (ticks && ticksBefore) {
      tally.stealTicks += ticks.steal - ticksBefore.steal;
      tally.totalTicks += ticks.total - ticksBefore.total;
    }
    tally.requests += r.requests.total;
    tally.seconds += r.duration;
    tally.roundRps.push(Math.round(r.requests.total / Math.max(r.duration, 1e-9)));
    tally.errors += r.errors + r.timeouts + r.non2xx;
  } finally {
    await target.afterRound?.();
  }
}

/**
 * One URL: a discarded warm-up (JIT, connection setup), then `rounds` measured runs. `beforeMeasuredRun`
 * lets a caller time something else over exactly the measured run.
 */
export async function measure(
  url: string,
  opts: LoadOptions,
  serverCpu: CpuReader,
  beforeMeasuredRun?: () => Promise<void>,
): Promise<LoadResult> {
  await load(url, opts, opts.warmupS);
  const tally = new Tally();
  await round({ url, cpu: serverCpu, beforeRound: beforeMeasuredRun }, opts, tally);
  return tally.result(url);
}

/**
 * A target and its baseline, measured in alternating rounds (A B, B A, A B, ...): on a shared
 * machine the capacity handed out drifts within seconds, and a baseline measured once, before or
 * after, would turn that drift into the target's figure. Each side's figures add up its rounds.
 */
export async function measurePair(bare: Target, target: Target, opts: LoadOptions & { rounds: number }): Promise<{ bare: LoadResult; outpost: LoadResult }> {
  const tallies = new Map<Target, Tally>([
    [bare, new Tally()],
    [target, new Tally()],
  ]);
  for (const t of [bare, target]) await load(t.url, opts, opts.warmupS);
  for (let i = 0; i < opts.rounds; i++) {
    for (const t of i % 2 === 0 ? [bare, target] : [target, bare]) await round(t, opts, tallies.get(t)!);
  }
  return { bare: tallies.get(bare)!.result(bare.url), outpost: tallies.get(target)!.result(target.url) };
}

/** One GET as a browser sends it (with no-cache headers if asked): status, headers and body bytes. */
function get(url: string, noCache: boolean): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: noCache ? NO_CACHE : BROWSER, timeout: 5_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) if (typeof value === 'string') headers[name] = value;
        resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks) });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** A copy of a response to send again elsewhere: its headers (without the per-connection ones Node adds) and body bytes. */
export async function fetchCopy(url: string): Promise<{ headers: Record<string, string>; body: Buffer }> {
  const { headers, body } = await get(url, false);
  for (const name of ['date', 'connection', 'keep-alive']) delete headers[name];
  return { headers, body };
}

export interface Probe {
  status: number;
  etag: string | undefined;
  encoding: string | undefined;
}

/** One GET: its status, ETag and encoding, used to compare ETags before and after load. */
export async function probe(url: string, noCache: boolean): Promise<Probe> {
  const { status, headers } = await get(url, noCache);
  return { status, etag: headers.etag, encoding: headers['content-encoding'] };
}

/**
 * No-cache GETs, one every 50 ms, during the measured run: the distinct ETags they
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
