import { promises as dns, type CaaRecord } from 'node:dns';
import { isIP, SocketAddress } from 'node:net';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { duration, formatDuration } from '../config/duration.js';
import { elapsed, HOSTNAME, probeBase, splitHostPort } from './base-schema.js';
import { result, type ProbeContext, type ProbeKind, type ProbeResult, type ResolverResult } from './types.js';

/**
 * The dns probe: the same query sent to each listed resolver or authoritative nameserver on its
 * own, so the page can say "provider A is down and B still answers" instead of "we are down".
 */

export const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SOA', 'CAA'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

const ADDRESS_EXAMPLES = '192.0.2.53, 192.0.2.53:5353, 2001:db8::53 or [2001:db8::53]:5353';

/** A resolver address to host and port (53 unless given); undefined unless the host is an IP literal. */
export function parseResolverAddress(address: string): { host: string; port: number } | undefined {
  const parsed = splitHostPort(address, 53);
  if (!parsed || isIP(parsed.host) === 0 || parsed.port < 1 || parsed.port > 65535) return undefined;
  return parsed;
}

const resolverSchema = z.strictObject({
  name: z.string().trim().min(1, 'expected a resolver name such as "Provider A"').max(100),
  address: z.string().refine((address) => parseResolverAddress(address) !== undefined, {
    error: (issue) => `expected an IP address with an optional port, such as ${ADDRESS_EXAMPLES} (host names are not allowed), got "${String(issue.input)}"`,
  }),
});

const answerList = z.array(z.string().min(1, 'expected a non-empty answer'));

export const dnsProbeSchema = probeBase
  .extend({
    type: z.literal('dns'),
    query: z.strictObject({
      name: z.string().regex(HOSTNAME, 'expected a host name such as example.com'),
      type: z.enum(RECORD_TYPES, { error: `expected one of ${RECORD_TYPES.join(', ')}` }).default('A'),
    }),
    resolvers: z
      .array(resolverSchema)
      .min(1, 'expected at least one resolver')
      .max(10, 'expected at most 10 resolvers')
      .superRefine((resolvers, ctx) => {
        const seen = new Set<string>();
        resolvers.forEach(({ name }, i) => {
          if (seen.has(name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `expected a unique resolver name, "${name}" is used twice` });
          seen.add(name);
        });
      }),
    tries: z.number().int().min(1).max(5).default(2),
    on_partial_failure: z.enum(['degraded_performance', 'partial_outage']).default('degraded_performance'),
    // Always present (prefault parses {}), so `consistent` defaults to true even without an expect block.
    expect: z
      .strictObject({
        answers_include: answerList.min(1, 'expected at least one answer to look for').optional(),
        answers_equal: answerList.optional(),
        max_latency: duration({ min: 1, max: 120_000 }).optional(),
        consistent: z.boolean().default(true),
      })
      .prefault({}),
  })
  .superRefine((config, ctx) => {
    // A typo in an expected address would fail the probe forever; say so at load time instead.
    const family = config.query.type === 'A' ? 4 : config.query.type === 'AAAA' ? 6 : 0;
    if (family === 0) return;
    for (const key of ['answers_include', 'answers_equal'] as const) {
      config.expect[key]?.forEach((value, i) => {
        if (isIP(value) !== family) {
          ctx.addIssue({ code: 'custom', path: ['expect', key, i], message: `expected an IPv${family} address for an ${config.query.type} query, got "${value}"` });
        }
      });
    }
  });

export type DnsProbeConfig = z.output<typeof dnsProbeSchema>;

// ---- asking one resolver ---------------------------------------------------------------------

const hostName = (name: string): string => name.toLowerCase().replace(/\.$/, '');

function caaText(record: CaaRecord): string {
  const [tag, value] = Object.entries(record).find(([key]) => key !== 'critical') ?? ['?', ''];
  return `${record.critical} ${tag} ${String(value)}`;
}

/** One lookup per record type, each normalised to the strings compared and shown. */
const LOOKUPS: Record<RecordType, (resolver: dns.Resolver, name: string) => Promise<string[]>> = {
  A: (r, name) => r.resolve4(name),
  AAAA: (r, name) => r.resolve6(name),
  CNAME: async (r, name) => (await r.resolveCname(name)).map(hostName),
  NS: async (r, name) => (await r.resolveNs(name)).map(hostName),
  MX: async (r, name) => (await r.resolveMx(name)).map((mx) => `${mx.priority} ${hostName(mx.exchange)}`),
  TXT: async (r, name) => (await r.resolveTxt(name)).map((chunks) => chunks.join('')),
  SOA: async (r, name) => {
    const soa = await r.resolveSoa(name);
    return [`${hostName(soa.nsname)} ${hostName(soa.hostmaster)} serial=${soa.serial}`];
  },
  CAA: async (r, name) => (await r.resolveCaa(name)).map(caaText),
};

const RCODES: Record<string, string> = {
  ENOTFOUND: 'NXDOMAIN',
  ESERVFAIL: 'SERVFAIL',
  EREFUSED: 'REFUSED',
  ETIMEOUT: 'TIMEOUT',
  ECONNREFUSED: 'CONNREFUSED',
  ECANCELLED: 'TIMEOUT', // only our deadline or the prober's signal cancels
};

/**
 * c-ares doubles the wait on each retry (t, 2t, 4t, ...), so t = timeout / (2^tries - 1) fits every
 * try in the probe's timeout. Node checks c-ares timers on a coarse interval, so the real schedule
 * can stretch: the deadline's cancel() is what actually bounds the run.
 */
export function perTryTimeout(timeoutMs: number, tries: number): number {
  return Math.max(1, Math.floor(timeoutMs / (2 ** tries - 1)));
}


/** Asks one resolver; `ok` here only means it answered NOERROR, judge() weighs the answers. */
async function ask(target: { name: string; address: string }, config: DnsProbeConfig, signal: AbortSignal): Promise<ResolverResult> {
  const { name, address } = target;
  const { host, port } = parseResolverAddress(address)!; // the schema accepted it
  const resolver = new dns.Resolver({ timeout: perTryTimeout(config.timeout, config.tries), tries: config.tries });
  resolver.setServers([isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`]);
  const cancel = () => resolver.cancel();
  signal.addEventListener('abort', cancel, { once: true });
  const started = performance.now();
  try {
    if (signal.aborted) return { name, address, ok: false, rcode: 'TIMEOUT', answers: [], latencyMs: null, error: 'cancelled before asking' };
    const answers = await LOOKUPS[config.query.type](resolver, config.query.name);
    return { name, address, ok: true, rcode: 'NOERROR', answers, latencyMs: elapsed(started) };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code !== 'string') throw err; // not a resolver error: a bug
    if (code === 'ENODATA') return { name, address, ok: true, rcode: 'NOERROR', answers: [], latencyMs: elapsed(started) };
    const rcode = RCODES[code] ?? code;
    if (rcode === 'TIMEOUT') return { name, address, ok: false, rcode, answers: [], latencyMs: null, error: `no answer within ${formatDuration(config.timeout)}` };
    return { name, address, ok: false, rcode, answers: [], latencyMs: elapsed(started), error: (err as Error).message };
  } finally {
    signal.removeEventListener('abort', cancel);
  }
}

// ---- judging the answers -----------------------------------------------------------------------

/** The form answers are compared in: names case-insensitive without trailing dots, IPv6 canonical, TXT exact. */
function canonical(type: RecordType, value: string): string {
  if (type === 'TXT') return value;
  if (type === 'AAAA' && isIP(value) === 6) return new SocketAddress({ address: value, family: 'ipv6' }).address;
  return value.trim().toLowerCase().split(/\s+/).map((token) => token.replace(/\.$/, '')).join(' ');
}

/** What "the same answer" means across resolvers: the answer set, or for SOA only the serial. */
function answerKey(type: RecordType, answers: string[]): string {
  const keys = answers.map((answer) => (type === 'SOA' ? (/serial=(\d+)/.exec(answer)?.[1] ?? answer) : canonical(type, answer)));
  return [...new Set(keys)].sort().join('\n');
}

/** Why these answers miss the expectations, or undefined when they meet them. */
function mismatch(type: RecordType, expect: DnsProbeConfig['expect'], answers: string[]): string | undefined {
  const have = new Set(answers.map((answer) => canonical(type, answer)));
  const missing = (expect.answers_include ?? []).filter((value) => !have.has(canonical(type, value)));
  if (missing.length > 0) return `expected it to include ${missing.join(', ')}`;
  if (expect.answers_equal && answerKey(type, expect.answers_equal) !== answerKey(type, answers)) {
    return `expected exactly ${show(expect.answers_equal)}`;
  }
  return undefined;
}

function show(answers: string[]): string {
  if (answers.length === 0) return '(no records)';
  const clip = (answer: string) => (answer.length > 80 ? `${answer.slice(0, 79)}…` : answer);
  const shown = answers.slice(0, 4).map(clip).join(', ');
  return answers.length > 4 ? `${shown} (+${answers.length - 4} more)` : shown;
}

function describe(r: ResolverResult): string {
  if (r.rcode !== 'NOERROR') return `${r.name}: ${r.rcode}`;
  const answered = `${r.name} answered ${show(r.answers)}`;
  return r.ok ? answered : `${answered}, ${r.error}`;
}

export type Judged = Pick<DnsProbeConfig, 'query' | 'expect' | 'on_partial_failure'>;

/** Every resolver's answer (as ask() returns it) to the probe's result. Pure, so its rules are tested as a table. */
export function judge(config: Judged, asked: ResolverResult[]): ProbeResult {
  const { type } = config.query;
  const resolvers = asked.map((r): ResolverResult => {
    if (r.rcode !== 'NOERROR') return { ...r, ok: false };
    const why = mismatch(type, config.expect, r.answers);
    return why ? { ...r, ok: false, error: why } : { ...r, ok: true };
  });
  const good = resolvers.filter((r) => r.ok);
  const failed = resolvers.filter((r) => !r.ok);
  const latencies = good.map((r) => r.latencyMs).filter((ms): ms is number => ms !== null);
  const fields = { latencyMs: latencies.length > 0 ? Math.max(...latencies) : null, resolvers };
  const partly = config.on_partial_failure === 'partial_outage' ? 'partial' : 'degraded';

  if (good.length === 0) {
    const wrongAnswers = failed.every((r) => r.rcode === 'NOERROR');
    const rcodes = new Set(failed.map((r) => r.rcode));
    const code = wrongAnswers ? 'UNEXPECTED_ANSWERS' : rcodes.size === 1 ? [...rcodes][0]! : 'RESOLVER_FAILED';
    return result('down', failed.map(describe).join('; '), { ...fields, layer: wrongAnswers ? 'assertion' : 'dns', code });
  }
  if (failed.length > 0) {
    return result(partly, [...failed, ...good].map(describe).join('; '), { ...fields, layer: 'dns', code: 'RESOLVER_FAILED' });
  }
  if (config.expect.consistent && new Set(good.map((r) => answerKey(type, r.answers))).size > 1) {
    return result(partly, good.map(describe).join('; '), { ...fields, layer: 'dns', code: 'RESOLVERS_DISAGREE' });
  }
  const max = config.expect.max_latency;
  const slow = max === undefined ? [] : good.filter((r) => r.latencyMs !== null && r.latencyMs > max);
  if (slow.length > 0) {
    const took = slow.map((r) => `${r.name} answered in ${Math.round(r.latencyMs!)}ms`).join(', ');
    return result('degraded', `${took}, over max_latency ${formatDuration(max!)}`, fields);
  }
  return result('up', good.map(describe).join('; '), fields);
}

export const dnsProbe: ProbeKind<DnsProbeConfig> = {
  type: 'dns',
  schema: dnsProbeSchema,
  async run(config, ctx: ProbeContext) {
    // Our own deadline as well as the prober's signal: c-ares alone can overrun the timeout.
    const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(config.timeout)]);
    const asked = await Promise.all(config.resolvers.map((target) => ask(target, config, signal)));
    return judge(config, asked);
  },
};
