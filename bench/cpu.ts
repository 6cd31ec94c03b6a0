import { readFileSync } from 'node:fs';

/**
 * Whole-machine CPU time from /proc/stat, to tell how much of a window the rest of the machine took:
 * on a shared host other processes are the first suspect of a bad p99. Linux only; elsewhere null.
 */
export interface MachineTicks {
  busy: number;
  total: number;
  steal: number;
}

export function machineTicks(): MachineTicks | null {
  try {
    const ticks = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1, 9).map(Number);
    const total = ticks.reduce((a, b) => a + b, 0);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0); // idle and iowait
    return { busy: total - idle, total, steal: ticks[7] ?? 0 };
  } catch {
    return null;
  }
}

export interface Contention {
  /** Cores busy in processes other than the ones whose CPU time was given. */
  othersCores: number;
  /** Share of the machine's CPU time the hypervisor gave to other guests. */
  stealPct: number;
}

/** Between two readings, given how many cores our own processes used meanwhile. */
export function contention(before: MachineTicks | null, after: MachineTicks | null, ownCores: number, nproc: number): Contention | null {
  if (!before || !after || after.total <= before.total) return null;
  const span = after.total - before.total;
  const busyCores = ((after.busy - before.busy) / span) * nproc;
  return {
    othersCores: Math.max(0, Math.round((busyCores - ownCores) * 100) / 100),
    stealPct: Math.round((100 * (after.steal - before.steal)) / span),
  };
}
