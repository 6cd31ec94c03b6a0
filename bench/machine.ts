import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { Worker } from 'node:worker_threads';

export interface Machine {
  nproc: number;
  /** How many of those CPUs actually run in parallel: a VM may show 2 that share one core. */
  effectiveCores: number;
  cpu: string;
  memTotalMB: number;
  node: string;
  platform: string;
}

/** A fixed amount of busy work, timed in a worker thread so that several can run side by side. */
const SPIN = `
  const { parentPort } = require('node:worker_threads');
  // In a function, not at the top level of the script: only there does V8 optimize the loop.
  function work() {
    let x = 0;
    for (let i = 0; i < 1e8; i++) x = (x + i) | 0;
    return x;
  }
  const started = performance.now();
  const x = work();
  parentPort.postMessage(performance.now() - started + (x === 0.5 ? 1 : 0));
`;

function spin(): Promise<number> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(SPIN, { eval: true });
    const timer = setTimeout(() => void worker.terminate().then(() => reject(new Error('calibration timed out'))), 30_000);
    worker.once('message', (ms: number) => {
      clearTimeout(timer);
      resolve(ms);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

/**
 * Runs the same work alone, then on every CPU at once: the slowdown says how many are real. Three
 * rounds, median kept: on a shared host one round can land on a noisy moment.
 */
async function effectiveCores(n: number): Promise<number> {
  const rounds: number[] = [];
  for (let round = 0; round < 3; round++) {
    const alone = await spin();
    const slowest = Math.max(...(await Promise.all(Array.from({ length: n }, spin))));
    rounds.push(Math.min(n, (n * alone) / slowest));
  }
  return Math.round(rounds.sort((a, b) => a - b)[1]! * 10) / 10;
}

export async function machine(): Promise<Machine> {
  let model = cpus()[0]?.model ?? 'unknown';
  try {
    model = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? model;
  } catch {
    // not Linux: os.cpus() is as good as it gets
  }
  const nproc = availableParallelism();
  return {
    nproc,
    effectiveCores: await effectiveCores(nproc),
    cpu: model.trim(),
    memTotalMB: Math.round(totalmem() / 1048576),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}
