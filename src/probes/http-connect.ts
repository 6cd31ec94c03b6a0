import net from 'node:net';
import tls from 'node:tls';
import type { buildConnector } from 'undici';
import { systemLookups } from './system-lookup.js';

/**
 * A connector for an undici Client that opens the connection itself so that each phase can be
 * timed: name lookup, TCP connect, TLS handshake. It also remembers which phase failed, so a
 * failure is classified by where it happened rather than by guessing from an error code.
 */

/**
 * node:dns lookup with `all: false`, and the probe's signal (a lookup still waiting for its turn is
 * dropped when the probe gives up); tests pass their own to stay off the network.
 */
export type LookupFn = (
  hostname: string,
  options: { family: 0 | 4 | 6; all: false; signal?: AbortSignal },
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
) => void;

/** The system resolver, a few lookups at a time (system-lookup.ts says why). */
export const systemLookup: LookupFn = (hostname, options, callback) => {
  systemLookups.lookup(hostname, options.family, options.signal).then(
    (answer) => callback(null, answer.address, answer.family),
    (err: NodeJS.ErrnoException) => callback(err, '', 0),
  );
};

export type Stage = 'dns' | 'connect' | 'tls' | 'headers' | 'body';

/** What one hop (one connection, one request) went through so far. Durations in ms. */
export interface HopTrace {
  stage: Stage;
  dnsMs?: number;
  connectMs?: number;
  tlsMs?: number;
  failure?: { layer: 'dns' | 'connect' | 'tls'; code: string; message: string };
}

export interface ConnectorOptions {
  family: 0 | 4 | 6;
  tlsVerify: boolean;
  lookup: LookupFn;
  trace: HopTrace;
  signal: AbortSignal;
}

export function timedConnector(options: ConnectorOptions): buildConnector.connector {
  return ({ hostname, protocol, port }, callback) => {
    const host = hostname.replace(/^\[(.*)\]$/, '$1');
    const portNumber = Number(port) || (protocol === 'https:' ? 443 : 80);
    openTimed(host, portNumber, protocol === 'https:', options).then(
      (socket) => callback(null, socket),
      (err: Error) => callback(err, null),
    );
  };
}

async function openTimed(host: string, port: number, secure: boolean, options: ConnectorOptions): Promise<net.Socket> {
  const { trace } = options;
  trace.stage = 'dns';
  const address = net.isIP(host) ? host : await step('dns', options, () => lookupAddress(host, options));
  trace.stage = 'connect';
  const socket = await step('connect', options, () => connectTcp(address, port, options.signal));
  if (!secure) return ready(socket, trace);
  trace.stage = 'tls';
  return ready(await step('tls', options, () => handshake(socket, host, options)), trace);
}

function ready<S extends net.Socket>(socket: S, trace: HopTrace): S {
  trace.stage = 'headers';
  return socket;
}

/** Runs one phase, records its duration on success and its layer and code on failure. */
async function step<T>(layer: 'dns' | 'connect' | 'tls', options: ConnectorOptions, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    const value = await run();
    options.trace[`${layer}Ms`] = performance.now() - started;
    return value;
  } catch (err) {
    const error = err as NodeJS.ErrnoException;
    if (!options.signal.aborted) options.trace.failure ??= { layer, code: error.code ?? 'UNKNOWN', message: error.message };
    throw err;
  }
}

/**
 * Starts some work and rejects with the signal's reason if the signal aborts first; `start` returns how
 * to cancel the work. A lookup cannot be cancelled: its late answer is ignored.
 */
export function abortable<T>(signal: AbortSignal, start: (resolve: (value: T) => void, reject: (err: unknown) => void) => () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    let cleanup = (): void => {};
    const onAbort = (): void => {
      cleanup();
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const settle =
      <A>(fn: (a: A) => void) =>
      (a: A): void => {
        signal.removeEventListener('abort', onAbort);
        fn(a);
      };
    cleanup = start(settle(resolve), settle(reject));
  });
}

function lookupAddress(host: string, { lookup, family, signal }: ConnectorOptions): Promise<string> {
  return abortable<string>(signal, (resolve, reject) => {
    lookup(host, { family, all: false, signal }, (err, address) => (err ? reject(err) : resolve(address)));
    return () => {};
  });
}

function connectTcp(address: string, port: number, signal: AbortSignal): Promise<net.Socket> {
  return abortable<net.Socket>(signal, (resolve, reject) => {
    const socket = net.connect({ host: address, port });
    const onError = (err: Error): void => {
      socket.destroy();
      reject(err);
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      socket.setNoDelay(true);
      resolve(socket);
    });
    return () => socket.destroy();
  });
}

function handshake(socket: net.Socket, host: string, { tlsVerify, signal }: ConnectorOptions): Promise<tls.TLSSocket> {
  return abortable<tls.TLSSocket>(signal, (resolve, reject) => {
    const secure = tls.connect({
      socket,
      host,
      // SNI carries names only (RFC 6066); for an IP literal the certificate is checked against `host`.
      ...(net.isIP(host) ? {} : { servername: host }),
      rejectUnauthorized: tlsVerify,
      ALPNProtocols: ['http/1.1'],
    });
    const onError = (err: Error): void => {
      secure.destroy();
      socket.destroy();
      reject(err);
    };
    secure.once('error', onError);
    socket.once('error', onError);
    secure.once('secureConnect', () => {
      secure.off('error', onError);
      socket.off('error', onError);
      // From here undici listens on the TLS socket, which carries the TCP socket's failures too.
      socket.on('error', () => {});
      resolve(secure);
    });
    return () => {
      secure.destroy();
      socket.destroy();
    };
  });
}
