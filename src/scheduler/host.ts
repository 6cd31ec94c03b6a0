import { Worker } from 'node:worker_threads';
import type { NetworkProbeConfig } from '../probes/registry.js';
import type { RunReport, WorkerInput, WorkerMessage } from './protocol.js';

export interface HostOptions {
  probes: NetworkProbeConfig[];
  concurrency: number;
  onReports: (reports: RunReport[]) => void;
  onBug: (probeId: string, error: string) => void;
  flushMs?: number;
}

/** Recent schedule lags (ms between a run's planned and actual start), for the benchmark and the operator's view. */
export class LagStats {
  private readonly values: Float64Array;
  private next = 0;
  private filled = 0;
  /** A ring of the latest runs: 50,000 covers four minutes at 2,000 probes every 10 s. */
  constructor(capacity = 50_000) {
    this.values = new Float64Array(capacity);
  }
  add(ms: number): void {
    this.values[this.next] = ms;
    this.next = (this.next + 1) % this.values.length;
    this.filled = Math.min(this.filled + 1, this.values.length);
  }
  percentile(p: number): number {
    if (this.filled === 0) return 0;
    const sorted = this.values.slice(0, this.filled).sort();
    return sorted[Math.min(this.filled - 1, Math.max(0, Math.ceil(p * this.filled) - 1))]!;
  }
  get count(): number {
    return this.filled;
  }
}

/**
 * Runs the network probes in a worker thread. When the main thread is saturated serving the page
 * during a traffic spike, the worker's timers still fire on time and its measurements stay honest;
 * only the storing of results (batched) waits for the main thread.
 */
export class ProberHost {
  private worker: Worker | undefined;
  private exited: Promise<void> = Promise.resolve();
  readonly lag = new LagStats();

  constructor(private readonly options: HostOptions) {}

  start(): void {
    if (this.options.probes.length === 0) return;
    const input: WorkerInput = { probes: this.options.probes, concurrency: this.options.concurrency, flushMs: this.options.flushMs ?? 250 };
    this.worker = spawnWorker(input);
    const worker = this.worker;
    this.exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    this.worker.on('message', (message: WorkerMessage) => {
      if (message.kind === 'reports') {
        for (const r of message.reports) this.lag.add(r.startedAt - r.plannedAt);
        this.options.onReports(message.reports);
      } else this.options.onBug(message.probeId, message.error);
    });
    this.worker.on('error', (err) => this.options.onBug('(worker)', err.stack ?? String(err)));
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    worker.postMessage({ kind: 'stop' });
    const timeout = setTimeout(() => void worker.terminate(), 3000);
    await this.exited;
    clearTimeout(timeout);
  }
}

/**
 * Built, the worker is plain JavaScript. From source (tsx, vitest) it is TypeScript: a worker does
 * not inherit the parent's loader, so a small bootstrap registers tsx in the thread first.
 */
function spawnWorker(input: WorkerInput): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./worker.js', import.meta.url), { workerData: input });
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./worker.ts', import.meta.url).href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: input });
}
