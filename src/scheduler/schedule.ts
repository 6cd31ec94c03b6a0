/**
 * When each probe runs. Pure: the worker feeds it a random source and the clock.
 *
 * The first run of each probe falls at a random point of its first interval, so after a start or a
 * restart every probe runs within one interval, spread out rather than all at once at the top of
 * the minute. Later runs keep a fixed rate (planned + interval) so that a slow run does not push
 * every later one back, with a small jitter so that probes sharing an interval drift apart.
 */
export function firstRunAt(now: number, intervalMs: number, random: () => number): number {
  return now + Math.floor(random() * intervalMs);
}

export const JITTER_FRACTION = 0.02;

export function nextRunAt(previousPlanned: number, intervalMs: number, now: number, random: () => number): number {
  const jitter = Math.round((random() * 2 - 1) * JITTER_FRACTION * intervalMs);
  let next = previousPlanned + intervalMs + jitter;
  // After a long stall (a suspended machine), skip the missed runs instead of firing them in a burst.
  if (next < now) next = now + Math.floor(random() * Math.min(intervalMs, 1000));
  return next;
}

/** A counting semaphore: at most `limit` probes in flight; the rest wait in order. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }

  get inFlight(): number {
    return this.active;
  }
}
