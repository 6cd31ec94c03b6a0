import { parentPort, workerData } from 'node:worker_threads';
import type { HostMessage, RunReport, WorkerInput, WorkerMessage } from './protocol.js';
import { ProbeRunner } from './runner.js';

/**
 * The probe worker thread: schedules and measures, nothing else. Results go to the main thread in
 * batches, which stores them; this thread never waits on the database or on page serving.
 */
const input = workerData as WorkerInput;
const port = parentPort!;
let pending: RunReport[] = [];

const send = (message: WorkerMessage) => port.postMessage(message);
const runner = new ProbeRunner({
  probes: input.probes,
  concurrency: input.concurrency,
  onReport: (report) => pending.push(report),
  onBug: (probeId, error) => send({ kind: 'bug', probeId, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
});

const flush = setInterval(() => {
  if (pending.length === 0) return;
  send({ kind: 'reports', reports: pending });
  pending = [];
}, input.flushMs);

port.on('message', (message: HostMessage) => {
  if (message.kind === 'stop') {
    runner.stop();
    clearInterval(flush);
    if (pending.length > 0) send({ kind: 'reports', reports: pending });
    port.close();
  }
});

runner.start();
