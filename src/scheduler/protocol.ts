import type { NetworkProbeConfig } from '../probes/registry.js';
import type { ProbeResult } from '../probes/types.js';

/** What the main thread gives the probe worker. */
export interface WorkerInput {
  probes: NetworkProbeConfig[];
  concurrency: number;
  /** Flush results to the main thread this often. */
  flushMs: number;
}

export interface RunReport {
  probeId: string;
  /** Wall-clock time the run was planned for and actually started: the difference is the schedule lag. */
  plannedAt: number;
  startedAt: number;
  result: ProbeResult;
}

export type WorkerMessage =
  | { kind: 'reports'; reports: RunReport[] }
  /** A probe threw: a bug in Outpost, not a failure of the target. Never counted as an outage. */
  | { kind: 'bug'; probeId: string; error: string };

export type HostMessage = { kind: 'stop' };
