import { z } from 'zod';
import { duration } from '../config/duration.js';
import { probeBase } from './base-schema.js';
import { result, type ProbeContext, type ProbeKind, type ProbeResult } from './types.js';

export const heartbeatSchema = probeBase.extend({
  type: z.literal('heartbeat'),
  /** How often the watched job runs. */
  every: duration({ min: 10_000, max: 31 * 86_400_000 }),
  /** How late it may be before it counts as missed. */
  grace: duration({ min: 0, max: 7 * 86_400_000 }).default(300_000),
  // A job that says it failed, or did not run, is an outage at once: no second missed run is awaited.
  fail_after: z.number().int().min(1).max(100).default(1),
  recover_after: z.number().int().min(1).max(100).default(1),
});
export type HeartbeatProbeConfig = z.infer<typeof heartbeatSchema>;

/** The last check-in the job made, as the store keeps it. */
export interface HeartbeatPing {
  at: number;
  ok: boolean;
  message: string | null;
}

/**
 * Pure judgement of a heartbeat: the watched job calls in; no call within every + grace since the
 * last one (or since monitoring started) is a missed run.
 */
export function judgeHeartbeat(config: Pick<HeartbeatProbeConfig, 'every' | 'grace'>, ping: HeartbeatPing | undefined, watchingSince: number, now: number): ProbeResult {
  const deadline = (ping?.at ?? watchingSince) + config.every + config.grace;
  if (ping && !ping.ok) {
    return result('down', `the job reported failure${ping.message ? `: ${ping.message}` : ''}`, { layer: 'heartbeat', code: 'REPORTED_FAILURE', latencyMs: null });
  }
  if (now > deadline) {
    const late = Math.round((now - deadline) / 60_000);
    return result('down', ping ? `no check-in since ${new Date(ping.at).toISOString()} (${late} min past the deadline)` : `no check-in yet (${late} min past the deadline)`, {
      layer: 'heartbeat',
      code: 'MISSED',
      latencyMs: null,
    });
  }
  return result('up', ping ? `last check-in ${new Date(ping.at).toISOString()}` : 'waiting for the first check-in', { latencyMs: null });
}

/**
 * Heartbeats are passive: nothing is sent. The prober host judges them from the store; `run` exists
 * so the kind fits the registry, and is never scheduled on the network worker.
 */
export const heartbeatProbe: ProbeKind<HeartbeatProbeConfig> = {
  type: 'heartbeat',
  schema: heartbeatSchema,
  async run(_config: HeartbeatProbeConfig, _ctx: ProbeContext): Promise<ProbeResult> {
    throw new Error('heartbeat probes are judged from check-ins, not run');
  },
};
