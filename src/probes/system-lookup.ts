import { lookup } from 'node:dns/promises';

/**
 * The operating system's name lookup (getaddrinfo, as node:dns lookup calls it) for the probes,
 * at most MAX_SYSTEM_LOOKUPS at a time.
 *
 * Why a limit: getaddrinfo runs on libuv's thread pool, four threads shared by the whole process:
 * the page's compression, static file reads, scrypt at sign-in. A resolver that does not answer
 * holds a thread for its whole timeout (glibc: 5 s per attempt and server), and a round of probes
 * during a DNS outage would hold all four: the page could not publish the outage it is watching,
 * and no operator could sign in. With the limit, probes queue for two threads and the rest stay free.
 * A probe that gives up while queued (its deadline) leaves the queue; its lookup never starts.
 */
export const MAX_SYSTEM_LOOKUPS = 2;

type Resolve = (hostname: string, family: 0 | 4 | 6) => Promise<{ address: string; family: number }>;

export class LookupLimiter {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly max: number,
    private readonly resolve: Resolve,
  ) {}

  /** Resolves `hostname`, waiting for a free slot first; rejects with the signal's reason if it aborts while waiting. */
  async lookup(hostname: string, family: 0 | 4 | 6, signal?: AbortSignal): Promise<{ address: string; family: number }> {
    await this.slot(signal);
    try {
      return await this.resolve(hostname, family);
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  /** Lookups started and not yet answered, and lookups waiting for a slot. */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  private slot(signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.running < this.max) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const at = this.waiting.indexOf(grant);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(signal!.reason);
      };
      // Called by a finishing lookup: the slot passes straight to this waiter.
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort);
        this.running++;
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(grant);
    });
  }
}

/** One per thread: the probes' worker thread has its own, as each thread has its own event loop. */
export const systemLookups = new LookupLimiter(MAX_SYSTEM_LOOKUPS, (hostname, family) => lookup(hostname, { family }));
