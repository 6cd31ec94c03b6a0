import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { dnsProbe, dnsProbeSchema, judge, type DnsProbeConfig } from '../../src/probes/dns.js';
import type { ProbeContext, ResolverResult } from '../../src/probes/types.js';
import { canBindIPv6, startDnsServer, type Answerer, type DnsRecord, type DnsServer } from '../helpers/dns-server.js';

/** Containers often have IPv6 off; only the [::1] test needs it. */
const ipv6 = await canBindIPv6();
const servers: DnsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(answers: Answerer, opts: { host?: '127.0.0.1' | '::1'; delayMs?: number } = {}): Promise<DnsServer> {
  const server = await startDnsServer({ answers, ...opts });
  servers.push(server);
  return server;
}

/** Answers `records` to questions of their type, NOERROR with no answers to anything else. */
const records =
  (...list: DnsRecord[]): Answerer =>
  (question) => ({ answers: list.filter((record) => record.type === question.type) });
const rcode = (code: 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED'): Answerer => () => ({ rcode: code });
const a = (...addresses: string[]) => records(...addresses.map((data): DnsRecord => ({ type: 'A', data })));
const soa = (serial: number, mname = 'ns1.example') => records({ type: 'SOA', data: { mname, rname: 'hostmaster.example', serial } });

function config(fields: Record<string, unknown>): DnsProbeConfig {
  return dnsProbeSchema.parse({ id: 'dns-acme', component: 'dns', type: 'dns', query: { name: 'acme.example' }, timeout: '2s', ...fields });
}

/** Provider A, Provider B, ... in the order given. */
const providers = (...list: DnsServer[]) => list.map((server, i) => ({ name: `Provider ${'ABCDEFGHIJ'[i]}`, address: server.address }));

const context = (signal: AbortSignal = new AbortController().signal): ProbeContext => ({ signal, now: () => Date.now() });
const run = (cfg: DnsProbeConfig, signal?: AbortSignal) => dnsProbe.run(cfg, context(signal));

describe('dns probe against loopback servers', () => {
  it('is up when every provider gives the same answer, and asks each one', async () => {
    const one = await serve(a('203.0.113.10'));
    const two = await serve(a('203.0.113.10'));
    const res = await run(config({ resolvers: providers(one, two) }));
    expect(res).toMatchObject({ outcome: 'up', ok: true, message: 'Provider A answered 203.0.113.10; Provider B answered 203.0.113.10' });
    expect(res.resolvers).toEqual([
      { name: 'Provider A', address: one.address, ok: true, rcode: 'NOERROR', answers: ['203.0.113.10'], latencyMs: expect.any(Number) },
      { name: 'Provider B', address: two.address, ok: true, rcode: 'NOERROR', answers: ['203.0.113.10'], latencyMs: expect.any(Number) },
    ]);
    expect(res.latencyMs).toBe(Math.max(...res.resolvers!.map((r) => r.latencyMs!)));
    expect(one.queries).toEqual([{ name: 'acme.example', type: 'A' }]);
    expect(two.queries).toEqual([{ name: 'acme.example', type: 'A' }]);
  });

  it('names the provider that stopped mid-test while the other still answers', async () => {
    const one = await serve(a('203.0.113.10'));
    const two = await serve(a('203.0.113.10'));
    const cfg = config({ resolvers: providers(one, two), timeout: '1s' });
    expect((await run(cfg)).outcome).toBe('up');

    await one.close();
    const res = await run(cfg);
    expect(res).toMatchObject({ outcome: 'degraded', ok: true, layer: 'dns', code: 'RESOLVER_FAILED' });
    expect(res.message).toMatch(/^Provider A: (CONNREFUSED|TIMEOUT); Provider B answered 203\.0\.113\.10$/);
    expect(res.resolvers!.map((r) => r.ok)).toEqual([false, true]);
    expect(res.latencyMs).toBe(res.resolvers![1]!.latencyMs);
  });

  it('gives partial when on_partial_failure is partial_outage', async () => {
    const one = await serve(rcode('SERVFAIL'));
    const two = await serve(a('203.0.113.10'));
    const res = await run(config({ resolvers: providers(one, two), on_partial_failure: 'partial_outage' }));
    expect(res).toMatchObject({ outcome: 'partial', ok: false, layer: 'dns', code: 'RESOLVER_FAILED' });
    expect(res.message).toBe('Provider A: SERVFAIL; Provider B answered 203.0.113.10');
  });

  it('times out a server that never answers within the probe timeout, not later', async () => {
    const silent = await serve(() => 'drop');
    const two = await serve(a('203.0.113.10'));
    const started = performance.now();
    const res = await run(config({ resolvers: providers(silent, two), timeout: '600ms' }));
    const took = performance.now() - started;
    expect(res).toMatchObject({ outcome: 'degraded', code: 'RESOLVER_FAILED', message: 'Provider A: TIMEOUT; Provider B answered 203.0.113.10' });
    expect(res.resolvers![0]).toMatchObject({ rcode: 'TIMEOUT', latencyMs: null, error: 'no answer within 600ms' });
    expect(silent.queries.length).toBeGreaterThanOrEqual(1);
    expect(took).toBeGreaterThan(300);
    expect(took).toBeLessThan(600 + 250);
  });

  it('stops when the prober aborts', async () => {
    const aborter = new AbortController();
    const silent = await serve(() => {
      aborter.abort();
      return 'drop';
    });
    const started = performance.now();
    const res = await run(config({ resolvers: providers(silent), timeout: '20s' }), aborter.signal);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(res).toMatchObject({ outcome: 'down', code: 'TIMEOUT' });
  });

  it('is down when every provider fails, with their common rcode', async () => {
    const one = await serve(rcode('NXDOMAIN'));
    const two = await serve(rcode('NXDOMAIN'));
    const res = await run(config({ resolvers: providers(one, two) }));
    expect(res).toMatchObject({ outcome: 'down', ok: false, layer: 'dns', code: 'NXDOMAIN', latencyMs: null });
    expect(res.message).toBe('Provider A: NXDOMAIN; Provider B: NXDOMAIN');
  });

  it.each(['NXDOMAIN', 'SERVFAIL', 'REFUSED'] as const)('maps a %s answer to its rcode', async (code) => {
    const server = await serve(rcode(code));
    const res = await run(config({ resolvers: providers(server) }));
    expect(res.resolvers![0]).toMatchObject({ ok: false, rcode: code, answers: [], latencyMs: expect.any(Number) });
    expect(res).toMatchObject({ outcome: 'down', code });
  });

  it('is down with RESOLVER_FAILED when the failures differ', async () => {
    const one = await serve(rcode('SERVFAIL'));
    const two = await serve(rcode('REFUSED'));
    const res = await run(config({ resolvers: providers(one, two) }));
    expect(res).toMatchObject({ outcome: 'down', layer: 'dns', code: 'RESOLVER_FAILED', message: 'Provider A: SERVFAIL; Provider B: REFUSED' });
  });

  it('reports providers that disagree, and can be told not to care', async () => {
    const one = await serve(a('203.0.113.10'));
    const two = await serve(a('198.51.100.7'));
    const res = await run(config({ resolvers: providers(one, two) }));
    expect(res).toMatchObject({ outcome: 'degraded', layer: 'dns', code: 'RESOLVERS_DISAGREE' });
    expect(res.message).toBe('Provider A answered 203.0.113.10; Provider B answered 198.51.100.7');
    expect((await run(config({ resolvers: providers(one, two), expect: { consistent: false } }))).outcome).toBe('up');
  });

  it('compares SOA serials only, and sees one change mid-test', async () => {
    const one = await serve(soa(2024010101, 'ns1.example'));
    const two = await serve(soa(2024010101, 'ns2.example'));
    const cfg = config({ query: { name: 'acme.example', type: 'SOA' }, resolvers: providers(one, two) });
    expect((await run(cfg)).outcome).toBe('up');

    two.setAnswers(soa(2024010102, 'ns2.example'));
    const res = await run(cfg);
    expect(res).toMatchObject({ outcome: 'degraded', code: 'RESOLVERS_DISAGREE' });
    expect(res.message).toBe('Provider A answered ns1.example hostmaster.example serial=2024010101; Provider B answered ns2.example hostmaster.example serial=2024010102');
  });

  it.each([
    [{ answers_include: ['203.0.113.10'] }, 'up', undefined],
    [{ answers_include: ['198.51.100.7'] }, 'down', 'Provider A answered 203.0.113.10, 203.0.113.11, expected it to include 198.51.100.7'],
    [{ answers_equal: ['203.0.113.11', '203.0.113.10'] }, 'up', undefined],
    [{ answers_equal: ['203.0.113.10'] }, 'down', 'Provider A answered 203.0.113.10, 203.0.113.11, expected exactly 203.0.113.10'],
  ])('checks expect %j', async (expectations, outcome, message) => {
    const server = await serve(a('203.0.113.10', '203.0.113.11'));
    const res = await run(config({ resolvers: providers(server), expect: expectations }));
    expect(res.outcome).toBe(outcome);
    if (message) expect(res).toMatchObject({ layer: 'assertion', code: 'UNEXPECTED_ANSWERS', message });
  });

  it('treats no answers (ENODATA) as NOERROR, failing only when answers are expected', async () => {
    const server = await serve(a('203.0.113.10'));
    const aaaa = (expectations: object) => config({ query: { name: 'acme.example', type: 'AAAA' }, resolvers: providers(server), expect: expectations });
    const quiet = await run(aaaa({}));
    expect(quiet).toMatchObject({ outcome: 'up', message: 'Provider A answered (no records)' });
    expect(quiet.resolvers![0]).toMatchObject({ rcode: 'NOERROR', answers: [] });
    expect(await run(aaaa({ answers_include: ['2001:db8::10'] }))).toMatchObject({ outcome: 'down', layer: 'assertion' });
  });

  const everyType = records(
    { type: 'A', data: '203.0.113.10' },
    { type: 'AAAA', data: '2001:0db8:0:0::10' },
    { type: 'CNAME', data: 'Edge.CDN.example.' },
    { type: 'MX', data: { preference: 10, exchange: 'Mail.Example.' } },
    { type: 'TXT', data: ['v=spf1 ', 'include:_spf.example -all'] },
    { type: 'NS', data: 'NS1.Example.' },
    { type: 'SOA', data: { mname: 'NS1.example.', rname: 'hostmaster.example.', serial: 2024010101 } },
    { type: 'CAA', data: { tag: 'issue', value: 'letsencrypt.org' } },
    { type: 'CAA', data: { flags: 128, tag: 'iodef', value: 'mailto:security@acme.example' } },
  );
  it.each([
    ['A', ['203.0.113.10']],
    ['AAAA', ['2001:db8::10']],
    ['CNAME', ['edge.cdn.example']],
    ['MX', ['10 mail.example']],
    ['TXT', ['v=spf1 include:_spf.example -all']],
    ['NS', ['ns1.example']],
    ['SOA', ['ns1.example hostmaster.example serial=2024010101']],
    ['CAA', ['0 issue letsencrypt.org', '128 iodef mailto:security@acme.example']],
  ])('normalises %s answers', async (type, answers) => {
    const server = await serve(everyType);
    const res = await run(config({ query: { name: 'acme.example', type }, resolvers: providers(server), expect: { answers_equal: answers } }));
    expect(res.resolvers![0]!.answers).toEqual(answers);
    expect(res.outcome).toBe('up');
  });

  it('is degraded, not failing, when a provider answers slower than max_latency', async () => {
    const slow = await serve(a('203.0.113.10'), { delayMs: 400 });
    const fast = await serve(a('203.0.113.10'));
    const res = await run(config({ resolvers: providers(fast, slow), expect: { max_latency: '250ms' } }));
    expect(res).toMatchObject({ outcome: 'degraded', ok: true });
    expect(res.layer).toBeUndefined();
    expect(res.message).toMatch(/^Provider B answered in \d+ms, over max_latency 250ms$/);
    expect(res.latencyMs).toBeGreaterThanOrEqual(400);
  });

  it.skipIf(!ipv6)('asks a resolver on [::1]', async () => {
    const server = await serve(records({ type: 'AAAA', data: '2001:db8::53' }), { host: '::1' });
    expect(server.address).toBe(`[::1]:${server.port}`);
    const res = await run(config({ query: { name: 'acme.example', type: 'AAAA' }, resolvers: providers(server) }));
    expect(res).toMatchObject({ outcome: 'up', message: 'Provider A answered 2001:db8::53' });
    expect(server.queries).toHaveLength(1);
  });
});

describe('judge', () => {
  const asked = (name: string, rcode: string, answers: string[] = [], latencyMs: number | null = 10): ResolverResult => ({
    name,
    address: '192.0.2.53',
    ok: rcode === 'NOERROR',
    rcode,
    answers,
    latencyMs,
  });
  const rules = config({ resolvers: [{ name: 'x', address: '192.0.2.53' }], expect: { answers_include: ['203.0.113.10'] } });

  it.each([
    ['one answers, one times out', [asked('A', 'NOERROR', ['203.0.113.10'], 12), asked('B', 'TIMEOUT', [], null)], 'degraded', 'RESOLVER_FAILED', 12],
    ['one answers wrongly', [asked('A', 'NOERROR', ['203.0.113.10'], 12), asked('B', 'NOERROR', ['198.51.100.7'], 30)], 'degraded', 'RESOLVER_FAILED', 12],
    ['all answer wrongly', [asked('A', 'NOERROR', ['198.51.100.7']), asked('B', 'NOERROR', [])], 'down', 'UNEXPECTED_ANSWERS', null],
    ['all time out', [asked('A', 'TIMEOUT', [], null), asked('B', 'TIMEOUT', [], null)], 'down', 'TIMEOUT', null],
    ['one wrong, one refused', [asked('A', 'NOERROR', ['198.51.100.7']), asked('B', 'REFUSED')], 'down', 'RESOLVER_FAILED', null],
  ])('%s', (_label, answers, outcome, code, latencyMs) => {
    expect(judge(rules, answers)).toMatchObject({ outcome, code, latencyMs });
  });

  it('uses layer assertion only when every resolver answered', () => {
    expect(judge(rules, [asked('A', 'NOERROR', [])]).layer).toBe('assertion');
    expect(judge(rules, [asked('A', 'NOERROR', []), asked('B', 'SERVFAIL')]).layer).toBe('dns');
  });
});

describe('dns probe config', () => {
  const valid = { id: 'dns-acme', component: 'dns', type: 'dns', query: { name: 'acme.example' }, resolvers: [{ name: 'Provider A', address: '192.0.2.53' }] };
  const problems = (input: object) => {
    const parsed = dnsProbeSchema.safeParse(input);
    return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  };
  const withResolvers = (...addresses: string[]) => ({ ...valid, resolvers: addresses.map((address, i) => ({ name: `R${i}`, address })) });

  it('fills the defaults and accepts every address form', () => {
    const parsed = dnsProbeSchema.parse(withResolvers('192.0.2.53', '192.0.2.53:5353', '2001:db8::53', '[2001:db8::53]:5353'));
    expect(parsed).toMatchObject({
      query: { name: 'acme.example', type: 'A' },
      tries: 2,
      on_partial_failure: 'degraded_performance',
      expect: { consistent: true },
      timeout: 10_000,
    });
    expect(parsed.resolvers.map((r) => r.address)).toEqual(['192.0.2.53', '192.0.2.53:5353', '2001:db8::53', '[2001:db8::53]:5353']);
  });

  it.each([
    ['a host name as address', withResolvers('ns1.example'), /^resolvers\.0\.address: expected an IP address .*got "ns1\.example"/],
    ['a port out of range', withResolvers('[2001:db8::53]:70000'), /^resolvers\.0\.address: expected an IP address/],
    ['port 0', withResolvers('192.0.2.53:0'), /^resolvers\.0\.address: expected an IP address/],
    ['a bad IPv4 literal', withResolvers('192.0.2.300'), /^resolvers\.0\.address: expected an IP address/],
    ['duplicate resolver names', { ...valid, resolvers: [valid.resolvers[0], { name: 'Provider A', address: '192.0.2.54' }] }, /^resolvers\.1\.name: expected a unique resolver name, "Provider A" is used twice$/],
    ['no resolvers', { ...valid, resolvers: [] }, /^resolvers: expected at least one resolver$/],
    ['eleven resolvers', withResolvers(...Array.from({ length: 11 }, (_, i) => `192.0.2.${i + 1}`)), /^resolvers: expected at most 10 resolvers$/],
    ['a bad record type', { ...valid, query: { name: 'acme.example', type: 'SRV' } }, /^query\.type: expected one of A, AAAA, CNAME, MX, TXT, NS, SOA, CAA$/],
    ['a bad query name', { ...valid, query: { name: 'acme..example' } }, /^query\.name: expected a host name/],
    ['an unknown field', { ...valid, retries: 3 }, /^: .*"retries"/],
    ['an unknown resolver field', { ...valid, resolvers: [{ ...valid.resolvers[0], port: 53 }] }, /^resolvers\.0: .*"port"/],
    ['tries out of range', { ...valid, tries: 6 }, /^tries: /],
    ['a bad on_partial_failure', { ...valid, on_partial_failure: 'major_outage' }, /^on_partial_failure: /],
    ['a bad max_latency', { ...valid, expect: { max_latency: 'soon' } }, /^expect\.max_latency: expected a duration/],
    ['a non-IPv4 answer for an A query', { ...valid, expect: { answers_include: ['203.0.113.1O'] } }, /^expect\.answers_include\.0: expected an IPv4 address for an A query/],
  ])('rejects %s', (_label, input, message) => {
    const found = problems(input);
    expect(found.some((problem) => message.test(problem)), found.join('\n')).toBe(true);
  });
});
