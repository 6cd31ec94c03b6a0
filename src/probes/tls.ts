import net from 'node:net';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import { z } from 'zod';
import { ipVersion, probeBase } from './base-schema.js';
import { connectTcp, deadline, defaultLookup, elapsed, errorCode, failure, host, hostName, ipVersionMatchesHost, port, timedOut, type Lookup } from './tcp.js';
import { result, type CertificateInfo, type Outcome, type PhaseTimings, type ProbeKind } from './types.js';

/**
 * The tls probe: connect, handshake without rejecting, then judge the certificate ourselves, so a
 * bad certificate is still described (who issued it, when it expires) rather than only refused.
 */

export const tlsSchema = probeBase
  .extend({
    type: z.literal('tls'),
    host,
    port: port.default(443),
    /** Sent as SNI and checked against the certificate; defaults to host unless host is an IP literal. */
    servername: hostName.optional(),
    ip_version: ipVersion,
    expect: z.strictObject({ min_days_left: z.number().int().min(0).max(3650).default(14) }).prefault({}),
  })
  .superRefine(ipVersionMatchesHost);

export type TlsProbeConfig = z.output<typeof tlsSchema>;

const DAY_MS = 86_400_000;

export interface Verdict {
  outcome: Outcome;
  code?: string;
  message: string;
}

/**
 * What a received certificate means, most serious first: dates (against the injected clock), then
 * trust, then name, then how soon it expires. `name` is what the certificate was checked against.
 */
export function judgeCertificate(cert: CertificateInfo, name: string, minDaysLeft: number, now: number): Verdict {
  if (Date.parse(cert.validTo) < now) {
    return { outcome: 'down', code: 'CERT_HAS_EXPIRED', message: `certificate expired ${days(-cert.daysLeft)} ago (${cert.validTo})` };
  }
  if (Date.parse(cert.validFrom) > now) {
    return { outcome: 'down', code: 'CERT_NOT_YET_VALID', message: `certificate not valid before ${cert.validFrom}` };
  }
  if (!cert.authorized) {
    const code = cert.authorizationError ?? 'CERT_UNTRUSTED';
    return { outcome: 'down', code, message: `certificate chain not trusted: ${code} (issuer ${cert.issuer})` };
  }
  if (!cert.hostnameMatches) {
    return { outcome: 'down', code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: `certificate for ${cert.subject} does not cover ${name}` };
  }
  if (cert.daysLeft < minDaysLeft) {
    return { outcome: 'degraded', code: 'CERT_EXPIRES_SOON', message: `certificate expires in ${days(cert.daysLeft)} (threshold ${minDaysLeft})` };
  }
  return { outcome: 'up', message: `certificate for ${cert.subject} valid, expires in ${days(cert.daysLeft)} (${cert.validTo})` };
}

const days = (n: number): string => (n === 1 ? '1 day' : `${n} days`);

function describeCertificate(cert: tls.PeerCertificate, socket: tls.TLSSocket, name: string, now: number): CertificateInfo {
  const validTo = Date.parse(cert.valid_to);
  // Node reports the reason as a code string, though @types/node declares an Error.
  const reason: unknown = socket.authorizationError;
  const authorizationError = typeof reason === 'string' ? reason : reason ? errorCode(reason) : undefined;
  const issuerCN = first(cert.issuer?.CN);
  const issuerO = first(cert.issuer?.O);
  return {
    subject: first(cert.subject?.CN) ?? '',
    issuer: issuerCN && issuerO ? `${issuerCN} (${issuerO})` : (issuerCN ?? issuerO ?? ''),
    validFrom: iso(cert.valid_from),
    validTo: iso(cert.valid_to),
    daysLeft: Math.floor((validTo - now) / DAY_MS),
    authorized: socket.authorized,
    ...(authorizationError ? { authorizationError } : {}),
    hostnameMatches: tls.checkServerIdentity(name, cert) === undefined,
  };
}

/** A subject field repeated in the certificate comes back as an array. */
const first = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

function iso(opensslDate: string): string {
  const ms = Date.parse(opensslDate);
  return Number.isNaN(ms) ? opensslDate : new Date(ms).toISOString();
}

/**
 * Never rejects for trust or name: the chain is verified (authorized, authorizationError) but not
 * enforced, and the host name is checked separately so authorizationError speaks only of the chain.
 */
function handshake(socket: net.Socket, options: { servername?: string; secureContext?: tls.SecureContext }, signal: AbortSignal): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const secure = tls.connect({ socket, rejectUnauthorized: false, checkServerIdentity: () => undefined, ...options });
    const close = () => {
      signal.removeEventListener('abort', onAbort);
      secure.destroy();
      socket.destroy();
    };
    const onAbort = () => {
      close();
      reject(signal.reason);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    secure.once('error', (err) => {
      close();
      reject(err);
    });
    secure.once('secureConnect', () => {
      signal.removeEventListener('abort', onAbort);
      resolve(secure);
    });
  });
}

/**
 * Ends with close_notify and FIN rather than a reset, so the target logs a clean close instead of
 * a failed handshake on every probe; forced after a second should the peer not answer.
 */
function hangUp(secure: tls.TLSSocket, socket: net.Socket): void {
  secure.on('error', () => {});
  secure.end();
  setTimeout(() => {
    secure.destroy();
    socket.destroy();
  }, 1000).unref();
}

/** `ca`: extra trusted roots besides the default ones, so tests can have a chain that verifies. */
export function createTlsProbe(deps: { lookup?: Lookup; ca?: string[] } = {}): ProbeKind<TlsProbeConfig> {
  // Passing `ca` replaces the default roots, so add them back; without extras leave Node's own choice
  // alone. Built once: a context holding every root costs tens of milliseconds, too much per run.
  const secureContext = deps.ca?.length ? tls.createSecureContext({ ca: [...tls.rootCertificates, ...deps.ca] }) : undefined;
  return {
    type: 'tls',
    schema: tlsSchema,
    async run(config, ctx) {
      const signal = deadline(config, ctx);
      const opened = await connectTcp(config, signal, deps.lookup ?? defaultLookup);
      if (!opened.ok) return opened.result;
      const { dnsMs, connectMs, startedAt, endpoint } = opened;
      const servername = config.servername ?? (net.isIP(config.host) === 0 ? config.host : undefined);
      const tlsStart = performance.now();
      let secure: tls.TLSSocket;
      try {
        secure = await handshake(opened.socket, { ...(servername ? { servername } : {}), ...(secureContext ? { secureContext } : {}) }, signal);
      } catch (err) {
        const phases = { ...(dnsMs === undefined ? {} : { dnsMs }), connectMs, totalMs: elapsed(startedAt) };
        if (signal.aborted) return timedOut(`TLS handshake with ${endpoint}`, phases).result;
        const code = errorCode(err);
        const detail = err instanceof Error ? err.message.split('\n')[0] : String(err);
        return failure('tls', code, `TLS handshake with ${endpoint} failed: ${detail}`, phases).result;
      }
      const phases: PhaseTimings = { ...(dnsMs === undefined ? {} : { dnsMs }), connectMs, tlsMs: elapsed(tlsStart), totalMs: elapsed(startedAt) };
      const peer = secure.getPeerCertificate();
      hangUp(secure, opened.socket);
      if (!peer || Object.keys(peer).length === 0) {
        return failure('tls', 'NO_PEER_CERTIFICATE', `${endpoint} sent no certificate`, phases).result;
      }
      const now = ctx.now();
      const name = servername ?? config.host;
      const certificate = describeCertificate(peer, secure, name, now);
      const verdict = judgeCertificate(certificate, name, config.expect.min_days_left, now);
      const latencyMs = verdict.outcome === 'down' ? null : phases.totalMs;
      return result(verdict.outcome, verdict.message, {
        ...(verdict.outcome === 'up' ? {} : { layer: 'tls' as const, code: verdict.code }),
        latencyMs,
        phases,
        certificate,
      });
    },
  };
}

export const tlsProbe = createTlsProbe();
