// The part of autocannon 9's API the bench uses (the package ships no types, and one devDependency
// less beats @types/autocannon for a few fields).
declare module 'autocannon' {
  function autocannon(options: autocannon.Options): autocannon.Instance;
  namespace autocannon {
    interface Request {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      onResponse?: (status: number, body: string, context: Record<string, unknown>, headers: Record<string, string>) => void;
    }
    interface Options {
      url: string;
      connections?: number;
      duration?: number;
      timeout?: number;
      headers?: Record<string, string>;
      requests?: Request[];
      /** Called with each connection's client object before it connects. */
      setupClient?: (client: never) => void;
    }
    interface Histogram {
      average: number;
      mean: number;
      max: number;
      p50: number;
      p99: number;
      total: number;
    }
    interface Result {
      /** Seconds the run actually lasted. */
      duration: number;
      errors: number;
      timeouts: number;
      non2xx: number;
      '2xx': number;
      latency: Histogram;
      requests: Histogram & { sent: number };
      throughput: Histogram;
    }
    interface Instance extends PromiseLike<Result> {
      stop(): void;
      /** Each response: its status, size in bytes and time in milliseconds (fractional). */
      on(event: 'response', listener: (client: unknown, status: number, bytes: number, responseTime: number) => void): this;
    }
  }
  export = autocannon;
}
