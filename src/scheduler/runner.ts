import { setMaxListeners } from 'node:events';
import { kindOf, type NetworkProbeConfig } from '../probes/registry.js';
import type { ProbeResult } from '../probes/types.js';
import { firstRunAt, nextRunAt, Semaphore } from './schedule.js';
import type { RunReport } from './protocol.js';

export interface RunnerOptions {
  probes: NetworkProbeConfig[];
  concurrency: number;
  onReport: (report: RunReport) => void;
  onBug: (probeId: string, error: unknown) => void;
  now?: () => number;
  random?: () => number;
}

/**
 * Runs every network probe on its own schedule, under one concurrency limit. Each probe has its
 * own timer, so a slow probe only ever holds its own slot. Runs inside the probe worker thread,
 * where a saturated page server cannot delay a timer or inflate a measured latency.
 */
export class ProbeRunner {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly semaphore: Semaphore;
  private readonly stopping = new AbortController();
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly options: RunnerOptions) {
    this.semaphore = new Semaphore(options.concurrency);
    // Every run in flight listens on the stop signal (and lets go when it ends): up to `concurrency` at once.
    setMaxListeners(options.concurrency + 16, this.stopping.signal);
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  start(): void {
    const now = this.now();
    for (const probe of this.options.probes) this.schedule(probe, firstRunAt(now, probe.interval, this.random));
  }

  stop(): void {
    this.stopping.abort();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(probe: NetworkProbeConfig, plannedAt: number): void {
    if (this.stopping.signal.aborted) return;
    const timer = setTimeout(() => {
      this.schedule(probe, nextRunAt(plannedAt, probe.interval, this.now(), this.random));
      void this.runOnce(probe, plannedAt);
    }, Math.max(0, plannedAt - this.now()));
    this.timers.set(probe.id, timer);
  }

  private async runOnce(probe: NetworkProbeConfig, plannedAt: number): Promise<void> {
    await this.semaphore.acquire();
    const startedAt = this.now();
    try {
      if (this.stopping.signal.aborted) return;
      const result = await runGuarded(probe, this.stopping.signal, this.now);
      if (!this.stopping.signal.aborted) this.options.onReport({ probeId: probe.id, plannedAt, startedAt, result });
    } catch (err) {
      this.options.onBug(probe.id, err);
    } finally {
      this.semaphore.release();
    }
  }
}

/** A grace past the probe's own timeout before the runner gives up on a probe that ignores its deadline. */
const GUARD_MS = 2000;

/** Runs one probe with its deadline; a probe that overruns it by GUARD_MS is cut off as a timeout. */
export async function runGuarded(probe: NetworkProbeConfig, stop: AbortSignal, now: () => number): Promise<ProbeResult> {
  // One controller per run, unhooked from the long-lived stop signal afterwards: AbortSignal.any on
  // a signal that lives for the whole process keeps every combination alive (a leak per run).
  const run = new AbortController();
  const onStop = () => run.abort(stop.reason);
  stop.addEventListener('abort', onStop, { once: true });
  const deadline = setTimeout(() => run.abort(new Error('timeout')), probe.timeout);
  const signal = run.signal;
  let guard: NodeJS.Timeout | undefined;
  const overrun = new Promise<ProbeResult>((resolve) => {
    guard = setTimeout(
      () => resolve({ outcome: 'down', ok: false, layer: 'timeout', code: 'ETIMEDOUT', message: `no result within ${probe.timeout} ms`, latencyMs: null }),
      probe.timeout + GUARD_MS,
    );
  });
  try {
    const kind = kindOf(probe.type) as { run(config: NetworkProbeConfig, ctx: { signal: AbortSignal; now: () => number }): Promise<ProbeResult> };
    return await Promise.race([kind.run(probe, { signal, now }), overrun]);
  } finally {
    clearTimeout(guard);
    clearTimeout(deadline);
    stop.removeEventListener('abort', onStop);
  }
}
