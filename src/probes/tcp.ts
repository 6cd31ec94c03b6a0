import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { duration } from '../config/duration.js';
import { elapsed, HOSTNAME, ipVersion, probeBase } from './base-schema.js';
import { systemLookups } from './system-lookup.js';
import { result, type FailureLayer, type PhaseTimings, type ProbeContext, type ProbeKind, type ProbeResult } from './types.js';

/**
 * The tcp probe: resolve, connect, close. It also holds what the tls probe shares with it (host
 * field, lookup injection, the timed connect), since a TLS check is a TCP check with a handshake on top.
 */


export const hostName = z
  .string()
  .refine((value) => net.isIP(value) === 0 && HOSTNAME.test(value), 'expected a host name such as api.example.com, not an IP address');
export const host = z
  .string()
  .refine((value) => net.isIP(value) !== 0 || HOSTNAME.test(value), 'expected a host name or an IP address (IPv6 without brackets)');
export const port = z.number().int().min(1).max(65535);

/** An IP literal pins the family, so an ip_version naming the other one is a config mistake, not a probe failure. */
export function ipVersionMatchesHost(config: { host: string; ip_version: 4 | 6 | 'any' }, ctx: z.RefinementCtx): void {
  const family = net.isIP(config.host);
  if (family !== 0 && config.ip_version !== 'any' && config.ip_version !== family) {
    ctx.addIssue({ code: 'custom', path: ['ip_version'], message: `host ${config.host} is an IPv${family} address but ip_version is ${config.ip_version}` });
  }
}

export const tcpSchema = probeBase
  .extend({
    type: z.literal('tcp'),
    host,
    port,
    ip_version: ipVersion,
    expect: z.strictObject({ max_latency: duration() }).optional(),
  })
  .superRefine(ipVersionMatchesHost);

export type TcpProbeConfig = z.output<typeof tcpSchema>;

/**
 * node:dns lookup's shape, narrowed to one answer, with the probe's signal (a lookup still waiting
 * for its turn is dropped when the probe gives up); tests pass their own to fail or stall without a network.
 */
export type Lookup = (hostname: string, options: { family: 0 | 4 | 6; signal?: AbortSignal }) => Promise<{ address: string; family: number }>;

/** The system resolver, a few lookups at a time (system-lookup.ts says why). */
export const defaultLookup: Lookup = (hostname, options) => systemLookups.lookup(hostname, options.family, options.signal);

export interface Target {
  host: string;
  port: number;
  ip_version: 4 | 6 | 'any';
}

export interface Connected {
  ok: true;
  socket: net.Socket;
  /** The address connected to, as "127.0.0.1:5432" or "[::1]:5432". */
  endpoint: string;
  /** performance.now() when the probe started, for later phases' totals. */
  startedAt: number;
  dnsMs?: number;
  connectMs: number;
}

export type Failed = { ok: false; result: ProbeResult };

/** The probe's deadline: its own timeout or the prober's signal, whichever comes first. */
export function deadline(config: { timeout: number }, ctx: ProbeContext): AbortSignal {
  return AbortSignal.any([ctx.signal, AbortSignal.timeout(config.timeout)]);
}

export { elapsed };

export function endpoint(address: string, port: number): string {
  return net.isIPv6(address) ? `[${address}]:${port}` : `${address}:${port}`;
}

export function failure(layer: FailureLayer, code: string, message: string, phases: PhaseTimings): Failed {
  return { ok: false, result: result('down', message, { layer, code, latencyMs: null, phases }) };
}

export function timedOut(during: string, phases: PhaseTimings): Failed {
  return failure('timeout', 'ETIMEDOUT', `timed out after ${Math.round(phases.totalMs)}ms during ${during}`, phases);
}

export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'UNKNOWN';
}

/** Settles with the work, or rejects as soon as the signal aborts (the work is left to finish unobserved). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function connectSocket(address: string, port: number, signal: AbortSignal): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const socket = net.connect({ host: address, port });
    const onAbort = () => {
      socket.destroy();
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('error', (err) => {
      signal.removeEventListener('abort', onAbort);
      reject(err);
    });
    socket.once('connect', () => {
      signal.removeEventListener('abort', onAbort);
      resolve(socket);
    });
  });
}

/** Resolves (unless the host is an IP literal) and connects, timing each; failures come back as results. */
export async function connectTcp(target: Target, signal: AbortSignal, lookup: Lookup): Promise<Connected | Failed> {
  const startedAt = performance.now();
  let address = target.host;
  let dnsMs: number | undefined;
  if (net.isIP(target.host) === 0) {
    const family = target.ip_version === 'any' ? 0 : target.ip_version;
    try {
      address = (await untilAborted(lookup(target.host, { family, signal }), signal)).address;
      dnsMs = elapsed(startedAt);
    } catch (err) {
      const phases = { totalMs: elapsed(startedAt) };
      if (signal.aborted) return timedOut(`DNS lookup of ${target.host}`, phases);
      const code = errorCode(err);
      const asked = family === 0 ? '' : ` (IPv${family})`;
      return failure('dns', code, `lookup ${code} ${target.host}${asked}`, phases);
    }
  }
  const to = endpoint(address, target.port);
  const connectStart = performance.now();
  try {
    const socket = await connectSocket(address, target.port, signal);
    return { ok: true, socket, endpoint: to, startedAt, connectMs: elapsed(connectStart), ...(dnsMs === undefined ? {} : { dnsMs }) };
  } catch (err) {
    const phases = { ...(dnsMs === undefined ? {} : { dnsMs }), totalMs: elapsed(startedAt) };
    if (signal.aborted) return timedOut(`TCP connect to ${to}`, phases);
    const code = errorCode(err);
    // The kernel gave up on the SYN: that is a timeout, not a refusal.
    return failure(code === 'ETIMEDOUT' ? 'timeout' : 'connect', code, `connect ${code} ${to}`, phases);
  }
}

export function createTcpProbe(deps: { lookup?: Lookup } = {}): ProbeKind<TcpProbeConfig> {
  const lookup = deps.lookup ?? defaultLookup;
  return {
    type: 'tcp',
    schema: tcpSchema,
    async run(config, ctx) {
      const opened = await connectTcp(config, deadline(config, ctx), lookup);
      if (!opened.ok) return opened.result;
      const { dnsMs, connectMs } = opened;
      const phases: PhaseTimings = { ...(dnsMs === undefined ? {} : { dnsMs }), connectMs, totalMs: elapsed(opened.startedAt) };
      opened.socket.destroy();
      const took = `connected to ${opened.endpoint} in ${Math.round(phases.totalMs)}ms`;
      const max = config.expect?.max_latency;
      if (max !== undefined && phases.totalMs > max) {
        return result('degraded', `${took}, over max_latency ${max}ms`, { latencyMs: phases.totalMs, phases });
      }
      return result('up', took, { latencyMs: phases.totalMs, phases });
    },
  };
}

export const tcpProbe = createTcpProbe();
