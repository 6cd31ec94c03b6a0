/**
 * The contract every probe kind fulfils. A probe runs once against its target and returns what it
 * saw as data: failures are results (`{ ok: false, layer, code }`), never exceptions. Throwing is
 * for bugs. Every result says *where* a request failed, not only that it failed: that is what
 * tells "provider A is down" from "our service is down" from "the conntrack table is full".
 */

/** Where along the request a failure happened, outermost first. */
export type FailureLayer =
  | 'dns' // name resolution of the target (or a DNS probe's resolver answering wrongly)
  | 'connect' // TCP connect refused, reset, unreachable
  | 'tls' // handshake, certificate chain, host name, expiry
  | 'timeout' // no complete answer within the probe's timeout
  | 'http_status' // an HTTP status outside the expected set
  | 'assertion' // the answer arrived but did not say what was expected (body, JSON path, DNS answers)
  | 'heartbeat'; // a watched job did not check in, or reported failure

/**
 * How bad one result is. `degraded` is a working but slow or partly failing service (latency over
 * max_latency, one DNS provider of two down); `partial` is a service failing for some; `down` is
 * failing for everyone.
 */
export type Outcome = 'up' | 'degraded' | 'partial' | 'down';

/** Milliseconds spent in each phase of one request; absent phases did not happen (cached DNS, plain HTTP). */
export interface PhaseTimings {
  dnsMs?: number;
  connectMs?: number;
  tlsMs?: number;
  firstByteMs?: number;
  totalMs: number;
}

/** One DNS resolver's answer in a dns probe. */
export interface ResolverResult {
  name: string;
  /** What the operator configured; shown only to operators. */
  address: string;
  ok: boolean;
  /** NOERROR, NXDOMAIN, SERVFAIL, REFUSED, TIMEOUT, or the raw error code. */
  rcode: string;
  answers: string[];
  latencyMs: number | null;
  error?: string;
}

export interface CertificateInfo {
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  daysLeft: number;
  /** Chain verified against the trust store. */
  authorized: boolean;
  authorizationError?: string;
  hostnameMatches: boolean;
}

export interface ProbeResult {
  outcome: Outcome;
  /** ok is outcome !== 'down' && outcome !== 'partial': the probe's expectations held, perhaps slowly. */
  ok: boolean;
  layer?: FailureLayer;
  /** The raw error code: ECONNREFUSED, ETIMEDOUT, ENOTFOUND, CERT_HAS_EXPIRED, HTTP_503, ... */
  code?: string;
  /** One line for operators: what happened. Never shown on the public page (it names targets). */
  message: string;
  /** The figure charted and compared with max_latency: total time of the request. */
  latencyMs: number | null;
  phases?: PhaseTimings;
  statusCode?: number;
  resolvers?: ResolverResult[];
  certificate?: CertificateInfo;
}

/** What a probe run gets besides its own config: a deadline and a clock. */
export interface ProbeContext {
  /** Aborted when the probe's timeout passes or the prober shuts down. */
  signal: AbortSignal;
  /** Wall clock for certificate expiry and the like; monotonic timing uses performance.now(). */
  now: () => number;
}

export function result(outcome: Outcome, message: string, fields: Omit<ProbeResult, 'outcome' | 'ok' | 'message'> = { latencyMs: null }): ProbeResult {
  return { outcome, ok: outcome === 'up' || outcome === 'degraded', message, ...fields };
}

/**
 * A probe kind: its config schema (probeBase extended) and how to run one check. A new kind is one
 * file exporting one of these and one line in the registry.
 */
export interface ProbeKind<Config extends { type: string }> {
  readonly type: Config['type'];
  readonly schema: import('zod').ZodType<Config, unknown>;
  run(config: Config, ctx: ProbeContext): Promise<ProbeResult>;
}
