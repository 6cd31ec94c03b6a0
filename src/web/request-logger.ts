import type { FastifyBaseLogger, FastifyLogFn, FastifyServerOptions } from 'fastify';

type Bindings = Parameters<FastifyBaseLogger['child']>[0];
type ChildLoggerOptions = NonNullable<Parameters<FastifyBaseLogger['child']>[1]>;
// Every form a log method accepts (object and message, message and arguments).
type LogArgs = Parameters<FastifyLogFn> | [obj: unknown, msg?: string, ...args: unknown[]];

/** The server's pino options (LOG_LEVEL, default info); credentials are never written. */
export function serverLoggerOptions(level = process.env.LOG_LEVEL ?? 'info'): Exclude<FastifyServerOptions['logger'], boolean | undefined> {
  return { level, redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'] };
}

/**
 * A request's logger, made on its first use. Fastify gives every request a child logger with its
 * id; pino builds one (bindings serialised, a new object) in about 6 µs, a tenth of what serving a
 * public page from the snapshot costs, and public reads never log. Admin and API requests, which
 * do, get the same child with the same bindings, only later.
 */
class LazyChild implements FastifyBaseLogger {
  #child: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  private get real(): FastifyBaseLogger {
    return (this.#child ??= this.parent.child(this.bindings, this.options));
  }

  private log(level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent', args: LogArgs): void {
    const real = this.real;
    Reflect.apply(real[level], real, args);
  }

  get level(): string {
    return this.real.level;
  }

  set level(level: string) {
    this.real.level = level;
  }

  // Prototype methods, not a closure each per request; pino's read `this`, so they are applied to
  // the real child.
  fatal(...args: LogArgs): void {
    this.log('fatal', args);
  }
  error(...args: LogArgs): void {
    this.log('error', args);
  }
  warn(...args: LogArgs): void {
    this.log('warn', args);
  }
  info(...args: LogArgs): void {
    this.log('info', args);
  }
  debug(...args: LogArgs): void {
    this.log('debug', args);
  }
  trace(...args: LogArgs): void {
    this.log('trace', args);
  }
  silent(...args: LogArgs): void {
    this.log('silent', args);
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.real.child(bindings, options);
  }
}

/** Fastify's childLoggerFactory: the request logger as above. */
export function lazyChildLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  return new LazyChild(logger, bindings, options);
}
