import type { FastifyBaseLogger, FastifyInstance, FastifyLogFn, FastifyReply, FastifyRequest } from 'fastify';
import { pino, type DestinationStream, type LoggerOptions } from 'pino';

type Bindings = Parameters<FastifyBaseLogger['child']>[0];
type ChildLoggerOptions = NonNullable<Parameters<FastifyBaseLogger['child']>[1]>;
// Every form a log method accepts (object and message, message and arguments).
type LogArgs = Parameters<FastifyLogFn> | [obj: unknown, msg?: string, ...args: unknown[]];

/** pino's options, and where its lines go (stdout when not given). */
export type LoggerSettings = LoggerOptions & { stream?: DestinationStream };

/** The server's logger settings (LOG_LEVEL, default info); credentials are never written. */
export function serverLoggerOptions(level = process.env.LOG_LEVEL ?? 'info'): LoggerSettings {
  return {
    level,
    redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
    // What Fastify's own logger writes of a request and a reply: no headers, no body.
    serializers: {
      req: (request: FastifyRequest) => ({ method: request.method, url: loggableUrl(request.url), hostname: request.hostname, remoteAddress: request.ip }),
      res: (reply: FastifyReply) => ({ statusCode: reply.statusCode }),
    },
  };
}

export function createLogger(settings: LoggerSettings): FastifyBaseLogger {
  const { stream, ...options } = settings;
  return stream ? pino(options, stream) : pino(options);
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The log methods, one per level, are set on LazyChild's prototype by its static block. */
interface LazyChild extends Pick<FastifyBaseLogger, (typeof LEVELS)[number]> {}

/**
 * A request's logger, made on its first use: pino builds a child (bindings serialised, a new
 * object) in about 0.8 µs, and public reads never log. Requests that do get the same child with
 * the same bindings, only later.
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

  // Prototype methods, not a closure each per request; pino's read `this`, so they are applied to
  // the real child.
  static {
    for (const level of LEVELS) {
      LazyChild.prototype[level] = function (this: LazyChild, ...args: LogArgs) {
        const real = this.real;
        Reflect.apply(real[level], real, args);
      } as FastifyLogFn;
    }
  }

  get level(): string {
    return this.real.level;
  }

  set level(level: string) {
    this.real.level = level;
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.real.child(bindings, options);
  }
}

/**
 * Fastify's childLoggerFactory for an app whose own logger is off: each request's logger is a
 * child of `log`, made when the request logs. Fastify with a logger of its own would also time
 * every response and listen for its end, for the 'request completed' line, about 5 µs a request
 * (measured: 75-80 µs per GET / instead of 70-73); public reads are not logged, so only the
 * contexts that are (logCompletedRequests) pay for it.
 */
export function requestLoggers(log: FastifyBaseLogger) {
  return (_fastifyLogger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger => new LazyChild(log, bindings, options);
}

/**
 * Which requests get 'incoming request' and 'request completed' lines: not reads (a line per public
 * read would be the heaviest work of a traffic spike, and says nothing), not heartbeats (their URLs
 * carry their token).
 */
export function isRequestLogged(request: { method: string; url: string }): boolean {
  return request.method !== 'GET' && request.method !== 'HEAD' && !HEARTBEAT.test(routedPath(request.url));
}

/** A heartbeat URL, whose last segment is its token, in any case (a 404 still carries the token). */
const HEARTBEAT = /\/heartbeats(\/|$)/i;

/**
 * The path as the router sees it: query cut, percent-escapes decoded (the router decodes
 * `/api/v1/%68eartbeats/...` to a heartbeat too), runs of slashes made one.
 */
function routedPath(url: string): string {
  const path = url.split('?', 1)[0]!;
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // Not valid percent-encoding: the router answers 400; the path is judged as written.
  }
  return decoded.replace(/\/{2,}/g, '/');
}

/** A URL for a log line: a heartbeat's token (however spelled) never reaches the logs. */
export function loggableUrl(url: string): string {
  const path = routedPath(url);
  const at = path.search(HEARTBEAT);
  return at === -1 ? url : `${path.slice(0, at)}/heartbeats/[token]`;
}

/**
 * 'request completed' lines, with status and time, for the logged requests of this context: Fastify
 * times a reply and logs its end (LogController.requestCompleted) only where an onResponse hook
 * runs when it has no logger of its own. This hook is that hook. Tested with the lines it gives.
 */
export function logCompletedRequests(instance: FastifyInstance): void {
  instance.addHook('onResponse', async () => {});
}
