import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createTcpProbe, tcpProbe, tcpSchema, type Lookup } from '../../src/probes/tcp.js';
import type { ProbeContext } from '../../src/probes/types.js';

const base = { id: 'db-port', component: 'database', type: 'tcp' } as const;
const ctx = (signal = new AbortController().signal): ProbeContext => ({ signal, now: () => 0 });
const config = (fields: Record<string, unknown>) => tcpSchema.parse({ ...base, ...fields });

const servers: net.Server[] = [];
const accepted = new Set<net.Socket>();
afterEach(async () => {
  accepted.forEach((s) => s.destroy());
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A listening server on a free port; `closed` has one promise per connection, settled when the client hangs up. */
async function listen(host = '127.0.0.1') {
  const closed: Promise<void>[] = [];
  const server = net.createServer((socket) => {
    accepted.add(socket);
    socket.on('error', () => {});
    closed.push(new Promise((resolve) => socket.once('close', () => resolve())));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { port: (server.address() as net.AddressInfo).port, closed };
}

/** A port that was free a moment ago: bind, note the port, close. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function canBindIpv6(): Promise<boolean> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(0, '::1', () => server.close(() => resolve(true)));
  });
}
const ipv6 = await canBindIpv6();

const resolvesTo = (address: string, delayMs = 0): Lookup & { calls: unknown[][] } => {
  const calls: unknown[][] = [];
  const fn = async (hostname: string, options: { family: 0 | 4 | 6 }) => {
    calls.push([hostname, options]);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    return { address, family: net.isIP(address) };
  };
  return Object.assign(fn, { calls });
};

describe('tcp probe', () => {
  it('is up on an open port, times the connect, and closes the connection at once', async () => {
    const { port, closed } = await listen();
    const r = await tcpProbe.run(config({ host: '127.0.0.1', port }), ctx());
    expect(r).toMatchObject({ outcome: 'up', ok: true, message: expect.stringContaining(`connected to 127.0.0.1:${port} in `) });
    expect(r.layer).toBeUndefined();
    expect(r.phases?.dnsMs).toBeUndefined(); // an IP literal is not looked up
    expect(r.phases?.connectMs).toBeGreaterThanOrEqual(0);
    expect(r.latencyMs).toBe(r.phases?.totalMs);
    expect(closed).toHaveLength(1);
    const hungUp = await Promise.race([closed[0]!.then(() => true), new Promise((resolve) => setTimeout(resolve, 1000, false))]);
    expect(hungUp).toBe(true);
  });

  it('looks a name up with the configured family and times the lookup', async () => {
    const { port } = await listen();
    const lookup = resolvesTo('127.0.0.1', 20);
    const r = await createTcpProbe({ lookup }).run(config({ host: 'db.internal', port, ip_version: 4 }), ctx());
    expect(r.outcome).toBe('up');
    expect(lookup.calls).toEqual([['db.internal', { family: 4, signal: expect.any(AbortSignal) }]]);
    expect(r.phases?.dnsMs).toBeGreaterThanOrEqual(15);
    expect(r.phases!.totalMs).toBeGreaterThanOrEqual(r.phases!.dnsMs! + r.phases!.connectMs!);
  });

  it('is degraded when the whole check takes longer than max_latency', async () => {
    const { port } = await listen();
    const r = await createTcpProbe({ lookup: resolvesTo('127.0.0.1', 60) }).run(config({ host: 'db.internal', port, expect: { max_latency: '20ms' } }), ctx());
    expect(r).toMatchObject({ outcome: 'degraded', ok: true, message: expect.stringContaining('over max_latency 20ms') });
    expect(r.latencyMs).toBeGreaterThan(20);
  });

  it('reports a refused connection at the connect layer with the raw code', async () => {
    const port = await freePort();
    const r = await tcpProbe.run(config({ host: '127.0.0.1', port }), ctx());
    expect(r).toMatchObject({ outcome: 'down', ok: false, layer: 'connect', code: 'ECONNREFUSED', message: `connect ECONNREFUSED 127.0.0.1:${port}`, latencyMs: null });
  });

  it('reports a failed lookup at the dns layer without connecting', async () => {
    const lookup: Lookup = async (hostname) => {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    };
    const r = await createTcpProbe({ lookup }).run(config({ host: 'db.invalid', port: 5432, ip_version: 6 }), ctx());
    expect(r).toMatchObject({ outcome: 'down', layer: 'dns', code: 'ENOTFOUND', message: 'lookup ENOTFOUND db.invalid (IPv6)' });
    expect(r.phases?.connectMs).toBeUndefined();
  });

  it('times out at config.timeout when the lookup never answers', async () => {
    const lookup: Lookup = () => new Promise(() => {});
    const started = performance.now();
    const r = await createTcpProbe({ lookup }).run(config({ host: 'slow.example', port: 80, timeout: '150ms' }), ctx());
    const took = performance.now() - started;
    expect(r).toMatchObject({ outcome: 'down', layer: 'timeout', code: 'ETIMEDOUT', message: expect.stringMatching(/^timed out after \d+ms during DNS lookup of slow\.example$/) });
    expect(took).toBeGreaterThanOrEqual(140);
    expect(took).toBeLessThan(1000);
  });

  it('stops when the context signal aborts, before its own timeout', async () => {
    const lookup: Lookup = () => new Promise(() => {});
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const started = performance.now();
    const r = await createTcpProbe({ lookup }).run(config({ host: 'slow.example', port: 80, timeout: '10s' }), ctx(controller.signal));
    expect(r).toMatchObject({ outcome: 'down', layer: 'timeout', code: 'ETIMEDOUT' });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it.skipIf(!ipv6)('connects over IPv6 to ::1', async () => {
    const { port } = await listen('::1');
    const r = await tcpProbe.run(config({ host: '::1', port, ip_version: 6 }), ctx());
    expect(r).toMatchObject({ outcome: 'up', message: expect.stringContaining(`[::1]:${port}`) });
  });
});

describe('tcp config', () => {
  it('applies defaults', () => {
    expect(config({ host: 'db.internal', port: 5432 })).toEqual({
      ...base,
      host: 'db.internal',
      port: 5432,
      ip_version: 'any',
      interval: 60_000,
      timeout: 10_000,
      fail_after: 2,
      recover_after: 2,
    });
    expect(config({ host: '::1', port: 1, expect: { max_latency: '250ms' } }).expect).toEqual({ max_latency: 250 });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['port 0', { host: 'db.internal', port: 0 }, 'port'],
    ['port 65536', { host: 'db.internal', port: 65536 }, 'port'],
    ['fractional port', { host: 'db.internal', port: 54.5 }, 'port'],
    ['port as a string', { host: 'db.internal', port: '5432' }, 'port'],
    ['missing port', { host: 'db.internal' }, 'port'],
    ['a URL as host', { host: 'tcp://db.internal', port: 5432 }, 'host'],
    ['a space in host', { host: 'db internal', port: 5432 }, 'host'],
    ['bracketed IPv6', { host: '[::1]', port: 5432 }, 'host'],
    ['IPv4 literal with ip_version 6', { host: '127.0.0.1', port: 5432, ip_version: 6 }, 'ip_version'],
    ['ip_version 5', { host: 'db.internal', port: 5432, ip_version: 5 }, 'ip_version'],
    ['unknown field', { host: 'db.internal', port: 5432, hots: 'x' }, ''],
    ['unknown expect field', { host: 'db.internal', port: 5432, expect: { max_latency: '1s', status: 200 } }, 'expect'],
    ['bad max_latency', { host: 'db.internal', port: 5432, expect: { max_latency: 'fast' } }, 'expect.max_latency'],
  ])('rejects %s', (_name, fields, path) => {
    const parsed = tcpSchema.safeParse({ ...base, ...fields });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.path.join('.'))).toContain(path);
  });
});
