import net from 'node:net';
import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Lookup } from '../../src/probes/tcp.js';
import { createTlsProbe, judgeCertificate, tlsProbe, tlsSchema, type TlsProbeConfig } from '../../src/probes/tls.js';
import type { CertificateInfo, ProbeContext, ProbeKind } from '../../src/probes/types.js';
import { DAY, testCerts, type KeyAndCert, type TestCerts } from '../helpers/certs.js';

const base = { id: 'api-cert', component: 'api', type: 'tls' } as const;
const config = (fields: Record<string, unknown>) => tlsSchema.parse({ ...base, timeout: '5s', ...fields });

const localhost: Lookup = async () => ({ address: '127.0.0.1', family: 4 });

let certs: TestCerts;
/** Trusts the test CA; made once, as building a context with every root takes tens of milliseconds. */
let trusting: ProbeKind<TlsProbeConfig>;
beforeAll(async () => {
  certs = await testCerts();
  trusting = createTlsProbe({ lookup: localhost, ca: [certs.ca.cert] });
});

/** The clock sits at the moment the certificates were made unless a test moves it. */
const ctx = (offsetMs = 0): ProbeContext => ({ signal: new AbortController().signal, now: () => certs.issuedAt + offsetMs });

const servers: net.Server[] = [];
const heldSockets = new Set<net.Socket>();
afterEach(async () => {
  heldSockets.forEach((s) => s.destroy());
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function listen(server: net.Server, host = '127.0.0.1'): Promise<number> {
  servers.push(server);
  // Destroyed in afterEach, so that a connection left open cannot hang server.close().
  server.on('connection', (socket: net.Socket) => {
    heldSockets.add(socket);
    socket.on('close', () => heldSockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as net.AddressInfo).port;
}

/** A TLS server presenting `pem` (its cert may be a chain); `sni` collects the names clients sent. */
async function tlsServer(pem: KeyAndCert, host = '127.0.0.1') {
  const sni: string[] = [];
  const context = tls.createSecureContext(pem);
  const SNICallback = (name: string, done: (err: Error | null, ctx: tls.SecureContext) => void) => {
    sni.push(name);
    done(null, context);
  };
  const server = tls.createServer({ ...pem, SNICallback }, (socket) => socket.on('error', () => {}));
  server.on('tlsClientError', () => {});
  return { port: await listen(server, host), sni };
}

/** Accepts TCP, then does `onSocket` (by default nothing: it never answers the ClientHello). */
async function tcpServer(onSocket: (socket: net.Socket) => void = () => {}) {
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    onSocket(socket);
  });
  return listen(server);
}

describe('tls probe against real peers', () => {
  it('is up for a CA-signed certificate whose CA is trusted, with every phase and the certificate described', async () => {
    const { port, sni } = await tlsServer(certs.localhost);
    const r = await trusting.run(config({ host: 'localhost', port }), ctx());
    expect(r).toMatchObject({ outcome: 'up', ok: true, message: expect.stringContaining('certificate for localhost valid, expires in 90 days') });
    expect(r.layer).toBeUndefined();
    expect(r.code).toBeUndefined();
    expect(r.certificate).toEqual({
      subject: 'localhost',
      issuer: 'Outpost Test CA (Outpost Tests)',
      validFrom: new Date(certs.issuedAt - DAY).toISOString(),
      validTo: new Date(certs.issuedAt + 90 * DAY + 3_600_000).toISOString(),
      daysLeft: 90,
      authorized: true,
      hostnameMatches: true,
    } satisfies CertificateInfo);
    const { dnsMs, connectMs, tlsMs, totalMs } = r.phases!;
    for (const ms of [dnsMs, connectMs, tlsMs]) expect(ms).toBeGreaterThanOrEqual(0);
    expect(totalMs).toBeGreaterThanOrEqual(dnsMs! + connectMs! + tlsMs! - 0.05);
    expect(r.latencyMs).toBe(totalMs);
    expect(sni).toEqual(['localhost']); // servername defaults to host
  });

  it('sends no SNI for an IP literal and checks the address against the certificate', async () => {
    const { port, sni } = await tlsServer(certs.localhost);
    const r = await trusting.run(config({ host: '127.0.0.1', port }), ctx());
    expect(r.outcome).toBe('up');
    expect(r.phases?.dnsMs).toBeUndefined();
    expect(sni).toEqual([]);
  });

  it('sends and checks servername when it is given for an IP literal', async () => {
    const { port, sni } = await tlsServer(certs.otherName);
    const r = await trusting.run(config({ host: '127.0.0.1', port, servername: 'other.example' }), ctx());
    expect(r).toMatchObject({ outcome: 'up', certificate: { subject: 'other.example', hostnameMatches: true } });
    expect(sni).toEqual(['other.example']);
  });

  it.each<[string, keyof TestCerts, 'trusting' | 'default', string]>([
    ['a self-signed certificate', 'selfSigned', 'trusting', 'DEPTH_ZERO_SELF_SIGNED_CERT'],
    ['a leaf whose CA is not trusted', 'localhost', 'default', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
    ['an expired certificate', 'expired', 'trusting', 'CERT_HAS_EXPIRED'],
    ['a certificate not yet valid', 'notYetValid', 'trusting', 'CERT_NOT_YET_VALID'],
    ['a certificate for another name', 'otherName', 'trusting', 'ERR_TLS_CERT_ALTNAME_INVALID'],
  ])('is down for %s, still describing it', async (_name, which, probe, code) => {
    const { port } = await tlsServer(certs[which] as KeyAndCert);
    const run = probe === 'trusting' ? trusting : createTlsProbe({ lookup: localhost });
    const r = await run.run(config({ host: 'localhost', port }), ctx());
    expect(r).toMatchObject({ outcome: 'down', ok: false, layer: 'tls', code, latencyMs: null });
    expect(r.certificate?.validTo).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(r.phases?.tlsMs).toBeGreaterThanOrEqual(0);
  });

  it('reports the chain error for a chain ending in an untrusted root', async () => {
    const { port } = await tlsServer({ key: certs.localhost.key, cert: `${certs.localhost.cert}\n${certs.ca.cert}` });
    const r = await tlsProbe.run(config({ host: '127.0.0.1', port }), ctx());
    expect(r).toMatchObject({ outcome: 'down', code: 'SELF_SIGNED_CERT_IN_CHAIN', certificate: { authorized: false, authorizationError: 'SELF_SIGNED_CERT_IN_CHAIN' } });
  });

  it('describes the details of each failure', async () => {
    const expired = await tlsServer(certs.expired);
    const other = await tlsServer(certs.otherName);
    const a = await trusting.run(config({ host: 'localhost', port: expired.port }), ctx());
    expect(a.message).toBe(`certificate expired 1 day ago (${new Date(certs.issuedAt - DAY).toISOString()})`);
    expect(a.certificate?.daysLeft).toBe(-1);
    const b = await trusting.run(config({ host: 'localhost', port: other.port }), ctx());
    expect(b).toMatchObject({ message: 'certificate for other.example does not cover localhost', certificate: { authorized: true, hostnameMatches: false } });
  });

  it('is degraded with CERT_EXPIRES_SOON when fewer days are left than min_days_left', async () => {
    const { port } = await tlsServer(certs.nineDaysLeft);
    const soon = await trusting.run(config({ host: 'localhost', port }), ctx());
    expect(soon).toMatchObject({ outcome: 'degraded', ok: true, layer: 'tls', code: 'CERT_EXPIRES_SOON', message: 'certificate expires in 9 days (threshold 14)' });
    expect(soon.latencyMs).toBe(soon.phases?.totalMs);
    const fine = await trusting.run(config({ host: 'localhost', port, expect: { min_days_left: 9 } }), ctx());
    expect(fine.outcome).toBe('up');
  });

  it.each<[string, number, string, string | undefined, number]>([
    ['80 days on', 80 * DAY, 'degraded', 'CERT_EXPIRES_SOON', 10],
    ['a second before validTo', 90 * DAY + 3_600_000 - 1000, 'degraded', 'CERT_EXPIRES_SOON', 0],
    ['a second after validTo', 90 * DAY + 3_600_000 + 1000, 'down', 'CERT_HAS_EXPIRED', -1],
    ['a year on', 365 * DAY, 'down', 'CERT_HAS_EXPIRED', -275],
  ])('judges the same certificate by the injected clock: %s', async (_name, offset, outcome, code, daysLeft) => {
    const { port } = await tlsServer(certs.localhost);
    const r = await trusting.run(config({ host: 'localhost', port }), ctx(offset));
    expect(r).toMatchObject({ outcome, code, certificate: { daysLeft, authorized: true } });
  });

  it('times out near config.timeout against a server that accepts TCP but never speaks TLS', async () => {
    const port = await tcpServer();
    const started = performance.now();
    const r = await tlsProbe.run(config({ host: '127.0.0.1', port, timeout: '300ms' }), ctx());
    const took = performance.now() - started;
    expect(r).toMatchObject({ outcome: 'down', layer: 'timeout', code: 'ETIMEDOUT', message: expect.stringContaining(`during TLS handshake with 127.0.0.1:${port}`) });
    expect(r.phases?.connectMs).toBeGreaterThanOrEqual(0);
    expect(r.certificate).toBeUndefined();
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(1500);
  });

  it('reports a peer that hangs up mid-handshake at the tls layer', async () => {
    const port = await tcpServer((socket) => socket.destroy());
    const r = await tlsProbe.run(config({ host: '127.0.0.1', port }), ctx());
    expect(r).toMatchObject({ outcome: 'down', layer: 'tls', code: 'ECONNRESET', message: expect.stringContaining(`TLS handshake with 127.0.0.1:${port} failed`) });
  });

  it('fails at the dns layer before connecting', async () => {
    const lookup: Lookup = async () => {
      throw Object.assign(new Error('getaddrinfo EAI_AGAIN api.example'), { code: 'EAI_AGAIN' });
    };
    const r = await createTlsProbe({ lookup }).run(config({ host: 'api.example' }), ctx());
    expect(r).toMatchObject({ outcome: 'down', layer: 'dns', code: 'EAI_AGAIN', message: 'lookup EAI_AGAIN api.example' });
  });

  it('connects over IPv6 when ::1 is available', async (t) => {
    const server = tls.createServer(certs.localhost);
    const bound = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(0, '::1', () => resolve(true));
    });
    if (!bound) return t.skip();
    servers.push(server);
    const { port } = server.address() as net.AddressInfo;
    const r = await trusting.run(config({ host: '::1', port, ip_version: 6 }), ctx());
    expect(r).toMatchObject({ outcome: 'up', certificate: { hostnameMatches: true } });
  });
});

describe('judgeCertificate', () => {
  const now = Date.parse('2025-06-01T00:00:00Z');
  const good: CertificateInfo = {
    subject: 'api.example',
    issuer: 'R11 (Let’s Encrypt)',
    validFrom: '2025-05-01T00:00:00.000Z',
    validTo: '2025-07-31T00:00:00.000Z',
    daysLeft: 60,
    authorized: true,
    hostnameMatches: true,
  };
  it.each<[string, Partial<CertificateInfo>, string, string | undefined]>([
    ['a good certificate', {}, 'up', undefined],
    ['expired beats every other fault', { validTo: '2025-05-31T00:00:00.000Z', daysLeft: -1, authorized: false, authorizationError: 'X', hostnameMatches: false }, 'down', 'CERT_HAS_EXPIRED'],
    ['not yet valid beats trust', { validFrom: '2025-06-02T00:00:00.000Z', authorized: false, authorizationError: 'X' }, 'down', 'CERT_NOT_YET_VALID'],
    ['trust beats name', { authorized: false, authorizationError: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', hostnameMatches: false }, 'down', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'],
    ['name beats nearing expiry', { hostnameMatches: false, daysLeft: 3 }, 'down', 'ERR_TLS_CERT_ALTNAME_INVALID'],
    ['13 days left', { daysLeft: 13 }, 'degraded', 'CERT_EXPIRES_SOON'],
    ['exactly the threshold', { daysLeft: 14 }, 'up', undefined],
  ])('%s', (_name, change, outcome, code) => {
    const verdict = judgeCertificate({ ...good, ...change }, 'api.example', 14, now);
    expect([verdict.outcome, verdict.code]).toEqual([outcome, code]);
  });
});

describe('tls config', () => {
  it('applies defaults: port 443, min_days_left 14, servername left to the probe', () => {
    expect(tlsSchema.parse({ ...base, host: 'api.example' })).toEqual({
      ...base,
      host: 'api.example',
      port: 443,
      ip_version: 'any',
      expect: { min_days_left: 14 },
      interval: 60_000,
      timeout: 10_000,
      fail_after: 2,
      recover_after: 2,
    });
    expect(config({ host: 'api.example', expect: {} }).expect).toEqual({ min_days_left: 14 });
    expect(config({ host: '10.0.0.5', servername: 'api.example', expect: { min_days_left: 0 } })).toMatchObject({ servername: 'api.example', expect: { min_days_left: 0 } });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['port 0', { port: 0 }, 'port'],
    ['port 70000', { port: 70000 }, 'port'],
    ['unknown field', { sni: 'api.example' }, ''],
    ['unknown expect field', { expect: { min_days: 3 } }, 'expect'],
    ['min_days_left -1', { expect: { min_days_left: -1 } }, 'expect.min_days_left'],
    ['min_days_left 3651', { expect: { min_days_left: 3651 } }, 'expect.min_days_left'],
    ['fractional min_days_left', { expect: { min_days_left: 1.5 } }, 'expect.min_days_left'],
    ['min_days_left as a string', { expect: { min_days_left: '14' } }, 'expect.min_days_left'],
    ['an IP literal as servername', { servername: '10.0.0.5' }, 'servername'],
    ['a host with a port', { host: 'api.example:443' }, 'host'],
  ])('rejects %s', (_name, fields, path) => {
    const parsed = tlsSchema.safeParse({ ...base, host: 'api.example', ...fields });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.path.join('.'))).toContain(path);
  });
});
