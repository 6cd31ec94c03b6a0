import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LookupFn } from '../../src/probes/http-connect.js';
import { createHttpProbe, httpProbe, httpProbeSchema, parseJsonPath, type HttpProbeConfig } from '../../src/probes/http.js';
import type { ProbeResult } from '../../src/probes/types.js';

const MIB = 1024 * 1024;
const JSON_DOC = { status: { indicator: 'none' }, items: [{ ok: true }, { ok: false }] };

/** One handler for every peer: the path says how to misbehave. */
function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  const path = new URL(req.url ?? '/', 'http://peer').pathname;
  const redirect = (status: number, location: string): void => void res.writeHead(status, { location }).end();
  switch (path) {
    case '/ok':
      return void res.end('hello outpost');
    case '/404':
    case '/503':
      return void res.writeHead(Number(path.slice(1))).end('nope');
    case '/r1':
      return redirect(301, '/r2');
    case '/r2':
      return redirect(302, `http://${req.headers.host}/ok`);
    case '/loop-a':
      return redirect(302, '/loop-b');
    case '/loop-b':
      return redirect(302, '/loop-a');
    case '/see-other':
      return redirect(303, '/echo');
    case '/elsewhere':
      return redirect(307, `http://localhost:${(req.socket.address() as AddressInfo).port}/echo`);
    case '/echo':
      return echo(req, res);
    case '/json':
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(JSON_DOC));
    case '/slow':
      return void setTimeout(() => res.end('slow but fine'), 300);
    case '/hang-up':
      return void req.socket.destroy();
    case '/garbage':
      return void req.socket.end('SMTP ready\r\n\r\n');
    case '/hang':
      return; // never answers
    case '/drip':
      return drip(res);
    case '/huge':
      return huge(res, 5 * MIB);
    default:
      return void res.writeHead(500).end('unknown test path');
  }
}

function echo(req: http.IncomingMessage, res: http.ServerResponse): void {
  let body = '';
  req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
  req.on('end', () => {
    const seen = { method: req.method, body, authorization: req.headers.authorization ?? null, token: req.headers['x-token'] ?? null, agent: req.headers['user-agent'] };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(seen));
  });
}

function drip(res: http.ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.flushHeaders();
  const timer = setInterval(() => res.write('x'), 200);
  res.on('close', () => clearInterval(timer));
}

function huge(res: http.ServerResponse, size: number): void {
  const chunk = Buffer.alloc(64 * 1024, 'a');
  let sent = 0;
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.write('BEGIN-OF-BODY ');
  const pump = (): void => {
    while (sent < size) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    res.end(' END-OF-BODY');
  };
  pump();
}

const servers: net.Server[] = [];
let connections = 0;

async function listen<S extends http.Server | https.Server>(server: S, host = '127.0.0.1'): Promise<number> {
  servers.push(server);
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, host, resolve));
  return (server.address() as AddressInfo).port;
}

async function canListen(host: string): Promise<boolean> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(0, host, () => server.close(() => resolve(true)));
  });
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves names under .test to loopback and fails .invalid as NXDOMAIN, without the network. */
const lookups: Array<{ hostname: string; family: number }> = [];
const fakeLookup: LookupFn = (hostname, options, callback) => {
  lookups.push({ hostname, family: options.family });
  if (hostname === 'hang.test') return; // a resolver that never answers
  setImmediate(() => {
    if (hostname.endsWith('.invalid')) {
      const err: NodeJS.ErrnoException = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', syscall: 'getaddrinfo' });
      return callback(err, '', 0);
    }
    callback(null, options.family === 6 ? '::1' : '127.0.0.1', options.family === 6 ? 6 : 4);
  });
};
const fakeDnsProbe = createHttpProbe({ lookup: fakeLookup });

function configOf(fields: Record<string, unknown>): HttpProbeConfig {
  return httpProbeSchema.parse({ id: 'web', component: 'site', type: 'http', ...fields });
}

async function check(fields: Record<string, unknown>, probe = httpProbe): Promise<ProbeResult & { elapsedMs: number }> {
  const started = performance.now();
  const outcome = await probe.run(configOf(fields), { signal: new AbortController().signal, now: Date.now });
  return { ...outcome, elapsedMs: performance.now() - started };
}

const ipv6 = await canListen('::1');
let base = '';
let tlsPorts = { selfSigned: 0, expired: 0 };

beforeAll(async () => {
  base = `http://127.0.0.1:${await listen(http.createServer(handler))}`;
  const now = Date.now();
  const names = { name: 'subjectAltName' as const, altNames: [{ type: 2 as const, value: 'localhost' }, { type: 7 as const, ip: '127.0.0.1' }] };
  const attrs = [{ name: 'commonName', value: 'localhost' }];
  const valid = await generate(attrs, { keyType: 'ec', algorithm: 'sha256', extensions: [names] });
  const expired = await generate(attrs, { keyType: 'ec', algorithm: 'sha256', extensions: [names], notBeforeDate: new Date(now - 30 * 86_400_000), notAfterDate: new Date(now - 86_400_000) });
  tlsPorts = {
    selfSigned: await listen(https.createServer({ key: valid.private, cert: valid.cert }, handler)),
    expired: await listen(https.createServer({ key: expired.private, cert: expired.cert }, handler)),
  };
});

afterAll(async () => {
  await Promise.all(
    servers.map((server) => {
      (server as http.Server).closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    }),
  );
});

describe('http probe: status', () => {
  it.each([
    ['/ok', {}, 'up', undefined, 'HTTP 200 in'],
    ['/404', {}, 'down', 'HTTP_404', 'HTTP 404 from GET (expected 200-299)'],
    ['/503', {}, 'down', 'HTTP_503', 'HTTP 503 from GET (expected 200-299)'],
    ['/503', { status: [200, '500-503'] }, 'up', undefined, 'HTTP 503 in'],
    ['/ok', { status: [201, '300-399'] }, 'down', 'HTTP_200', 'HTTP 200 from GET (expected 201, 300-399)'],
  ])('%s with expect %j is %s', async (path, expectations, outcome, code, message) => {
    const got = await check({ url: base + path, expect: expectations });
    expect(got.outcome).toBe(outcome);
    expect(got.code).toBe(code);
    expect(got.layer).toBe(code ? 'http_status' : undefined);
    expect(got.statusCode).toBe(Number(path === '/ok' ? 200 : path.slice(1)));
    expect(got.message).toContain(message);
    expect(got.latencyMs).toBe(got.phases?.totalMs);
  });

  it('sends method, headers and body, and keeps header values out of the message', async () => {
    const fields = { url: `${base}/echo`, method: 'POST', headers: { 'X-Token': 's3cr3t-value' }, body: 'ping' };
    const up = await check({ ...fields, expect: { json_path: { path: '$', equals: { method: 'POST', body: 'ping', authorization: null, token: 's3cr3t-value', agent: 'Outpost status probe' } } } });
    expect(up.outcome).toBe('up');
    const down = await check({ ...fields, expect: { status: [201] } });
    expect(down.code).toBe('HTTP_200');
    expect(down.message).not.toContain('s3cr3t');
  });
});

describe('http probe: redirects', () => {
  it('follows a 301 then 302 chain on a fresh connection per hop', async () => {
    connections = 0;
    const got = await check({ url: `${base}/r1`, expect: { body_contains: 'hello outpost' } });
    expect(got.outcome).toBe('up');
    expect(got.statusCode).toBe(200);
    expect(connections).toBe(3);
  });

  it('judges the 3xx itself when follow_redirects is 0', async () => {
    const down = await check({ url: `${base}/r1`, follow_redirects: 0 });
    expect([down.outcome, down.layer, down.code]).toEqual(['down', 'http_status', 'HTTP_301']);
    expect(down.message).toBe('HTTP 301 from GET (expected 200-299)');
    const up = await check({ url: `${base}/r1`, follow_redirects: 0, expect: { status: [301] } });
    expect(up.outcome).toBe('up');
  });

  it('names the final URL when a followed chain ends badly', async () => {
    const got = await check({ url: `${base}/r1`, expect: { status: [201] } });
    expect(got.message).toBe(`HTTP 200 from GET ${base}/ok after 2 redirect(s) (expected 201)`);
  });

  it('stops a chain longer than follow_redirects', async () => {
    const got = await check({ url: `${base}/r1`, follow_redirects: 1 });
    expect([got.outcome, got.layer, got.code, got.statusCode]).toEqual(['down', 'http_status', 'TOO_MANY_REDIRECTS', 302]);
  });

  it('ends a redirect loop A -> B -> A after the limit, each hop its own connection', async () => {
    connections = 0;
    const got = await check({ url: `${base}/loop-a` });
    expect([got.outcome, got.layer, got.code]).toEqual(['down', 'http_status', 'TOO_MANY_REDIRECTS']);
    expect(got.message).toBe(`more than 5 redirects from GET ${base}/loop-a, the last to ${base}/loop-b`);
    expect(connections).toBe(6);
  });

  it('turns a POST into a GET without body on 303', async () => {
    const got = await check({ url: `${base}/see-other`, method: 'POST', body: 'ping', expect: { json_path: { path: '$.method', equals: 'GET' } } });
    expect(got.outcome).toBe('up');
  });

  it('does not carry credentials to another origin', async () => {
    const fields = { url: `${base}/elsewhere`, ip_version: 4, headers: { Authorization: 'Bearer s3cr3t', 'X-Token': 'kept' } };
    const got = await check({ ...fields, expect: { json_path: { path: '$.authorization', equals: null } } });
    expect(got.outcome).toBe('up');
    const token = await check({ ...fields, expect: { json_path: { path: '$.token', equals: 'kept' } } });
    expect(token.outcome).toBe('up');
  });
});

describe('http probe: body', () => {
  it.each([
    [{ body_contains: 'outpost' }, '/ok', 'up', undefined, 'HTTP 200'],
    [{ body_contains: 'nope' }, '/ok', 'down', 'BODY_MISSING_TEXT', 'body does not contain "nope"'],
    [{ body_regex: '^hello \\w+$' }, '/ok', 'up', undefined, 'HTTP 200'],
    [{ body_regex: '^bye' }, '/ok', 'down', 'BODY_REGEX_MISMATCH', 'body does not match /^bye/'],
    [{ json_path: { path: '$.status.indicator', equals: 'none' } }, '/json', 'up', undefined, 'HTTP 200'],
    [{ json_path: { path: '$.status.indicator', equals: 'major' } }, '/json', 'down', 'JSON_PATH_MISMATCH', '$.status.indicator is "none" (expected "major")'],
    [{ json_path: { path: '$.items[1].ok', equals: false } }, '/json', 'up', undefined, 'HTTP 200'],
    [{ json_path: { path: '$.items', equals: JSON_DOC.items } }, '/json', 'up', undefined, 'HTTP 200'],
    [{ json_path: { path: '$.items[5].ok', equals: true } }, '/json', 'down', 'JSON_PATH_MISMATCH', '$.items[5].ok is missing (expected true)'],
    [{ json_path: { path: '$.status', equals: 'none' } }, '/json', 'down', 'JSON_PATH_MISMATCH', '$.status is {"indicator":"none"} (expected "none")'],
    [{ json_path: { path: '$.status', equals: 1 } }, '/ok', 'down', 'BODY_NOT_JSON', 'body is not JSON'],
  ])('%j on %s is %s', async (expectations, path, outcome, code, message) => {
    const got = await check({ url: base + path, expect: expectations });
    expect(got.outcome).toBe(outcome);
    expect(got.code).toBe(code);
    expect(got.layer).toBe(code ? 'assertion' : undefined);
    expect(got.message).toContain(message);
  });

  it('reads a 5 MiB body only up to max_body_bytes and asserts on what it read', async () => {
    const got = await check({ url: `${base}/huge`, expect: { body_contains: 'BEGIN-OF-BODY' } });
    expect(got.outcome).toBe('up');
    expect(got.message).toContain(`body truncated at ${MIB} bytes`);
    const small = await check({ url: `${base}/huge`, max_body_bytes: 1024, expect: { body_contains: 'END-OF-BODY' } });
    expect([small.outcome, small.code]).toEqual(['down', 'BODY_MISSING_TEXT']);
    expect(small.message).toBe('body does not contain "END-OF-BODY" (body truncated at 1024 bytes)');
  });

  it('is degraded when slower than max_latency', async () => {
    const got = await check({ url: `${base}/slow`, expect: { max_latency: '100ms' } });
    expect([got.outcome, got.ok]).toEqual(['degraded', true]);
    expect(got.latencyMs).toBeGreaterThanOrEqual(290);
    expect(got.message).toContain('over max_latency 100ms');
  });
});

describe('http probe: timeouts', () => {
  it('ends near the timeout when the server never answers', async () => {
    const got = await check({ url: `${base}/hang`, timeout: '500ms' });
    expect([got.outcome, got.layer, got.code, got.latencyMs]).toEqual(['down', 'timeout', 'ETIMEDOUT', null]);
    expect(got.message).toBe('no complete answer within 500ms (waiting for the response headers)');
    expect(got.elapsedMs).toBeGreaterThanOrEqual(480);
    expect(got.elapsedMs).toBeLessThan(800);
    expect(got.phases?.connectMs).toBeGreaterThanOrEqual(0);
    expect(got.phases?.firstByteMs).toBeUndefined();
  });

  it('bounds a body dripping one byte per 200 ms by the timeout', async () => {
    const got = await check({ url: `${base}/drip`, timeout: '1s' });
    expect([got.outcome, got.layer, got.code, got.statusCode]).toEqual(['down', 'timeout', 'ETIMEDOUT', 200]);
    expect(got.message).toContain('(reading the body)');
    expect(got.phases?.firstByteMs).toBeLessThan(500);
    expect(got.elapsedMs).toBeGreaterThanOrEqual(980);
    expect(got.elapsedMs).toBeLessThan(1300);
  });

  it('bounds a name lookup that never returns', async () => {
    const got = await check({ url: 'http://hang.test/', timeout: '300ms' }, fakeDnsProbe);
    expect([got.layer, got.code]).toEqual(['timeout', 'ETIMEDOUT']);
    expect(got.message).toContain('(resolving the name)');
    expect(got.elapsedMs).toBeLessThan(600);
  });

  it('stops when the context is aborted', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = performance.now();
    const got = await httpProbe.run(configOf({ url: `${base}/hang`, timeout: '10s' }), { signal: controller.signal, now: Date.now });
    expect(got.layer).toBe('timeout');
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('http probe: connection failures', () => {
  it('reports a closed port in the connect layer', async () => {
    const port = await closedPort();
    const got = await check({ url: `http://127.0.0.1:${port}/` });
    expect([got.outcome, got.layer, got.code, got.latencyMs]).toEqual(['down', 'connect', 'ECONNREFUSED', null]);
    expect(got.message).toBe(`TCP connect to 127.0.0.1:${port} failed (ECONNREFUSED)`);
  });

  it.each([
    ['/hang-up', 'connect', 'UND_ERR_SOCKET', 'a connection failure while waiting for the response headers'],
    ['/garbage', 'http_status', 'INVALID_HTTP_RESPONSE', 'an invalid HTTP response while waiting for the response headers'],
  ])('reports a server answering %s without HTTP', async (path, layer, code, message) => {
    const got = await check({ url: base + path, headers: { authorization: 'Bearer s3cr3t' } });
    expect([got.outcome, got.layer, got.code]).toEqual(['down', layer, code]);
    expect(got.message).toBe(`GET ${base}${path}: ${message} (${code})`);
    // A token in the query string stays out of the message too (the admin shows it to every editor).
    const withToken = await check({ url: `${base}${path}?token=Q5ecret&v=2` });
    expect(withToken.message).toBe(`GET ${base}${path}?token=…&v=…: ${message} (${code})`);
  });

  it('reports a name that does not resolve in the dns layer', async () => {
    lookups.length = 0;
    const got = await check({ url: 'http://outpost-test.invalid/' }, fakeDnsProbe);
    expect([got.outcome, got.layer, got.code]).toEqual(['down', 'dns', 'ENOTFOUND']);
    expect(got.message).toBe('DNS lookup of outpost-test.invalid failed (ENOTFOUND)');
    expect(lookups).toEqual([{ hostname: 'outpost-test.invalid', family: 0 }]);
  });

  it.each([
    [4, 4],
    ['any', 0],
  ])('asks the resolver for family %s', async (ipVersion, family) => {
    lookups.length = 0;
    const got = await check({ url: `http://outpost.test:${new URL(base).port}/ok`, ip_version: ipVersion }, fakeDnsProbe);
    expect(got.outcome).toBe('up');
    expect(lookups).toEqual([{ hostname: 'outpost.test', family }]);
    expect(got.phases?.dnsMs).toBeGreaterThanOrEqual(0);
  });

  it.skipIf(!ipv6)('reaches a server on ::1 over IPv6', async () => {
    const port = await listen(http.createServer(handler), '::1');
    lookups.length = 0;
    const byName = await check({ url: `http://outpost.test:${port}/ok`, ip_version: 6 }, fakeDnsProbe);
    expect([byName.outcome, byName.statusCode]).toEqual(['up', 200]);
    expect(lookups).toEqual([{ hostname: 'outpost.test', family: 6 }]);
    const literal = await check({ url: `http://[::1]:${port}/ok`, ip_version: 6 });
    expect(literal.outcome).toBe('up');
    expect(literal.phases?.dnsMs).toBeUndefined();
  });
});

describe('http probe: TLS', () => {
  it.each([
    ['selfSigned', 'DEPTH_ZERO_SELF_SIGNED_CERT'],
    ['expired', 'CERT_HAS_EXPIRED'],
  ] as const)('rejects a %s certificate with its raw code', async (which, code) => {
    const got = await check({ url: `https://localhost:${tlsPorts[which]}/ok`, ip_version: 4 });
    expect([got.outcome, got.layer, got.code]).toEqual(['down', 'tls', code]);
    expect(got.message).toMatch(new RegExp(`^TLS handshake with localhost failed: .+ \\(${code}\\)$`));
    expect(got.phases?.connectMs).toBeGreaterThanOrEqual(0);
    expect(got.phases?.tlsMs).toBeUndefined();
  });

  it('passes a self-signed certificate with tls_verify false, timing every phase', async () => {
    const got = await check({ url: `https://localhost:${tlsPorts.selfSigned}/ok`, ip_version: 4, tls_verify: false, expect: { body_contains: 'hello' } });
    expect([got.outcome, got.statusCode]).toEqual(['up', 200]);
    const { dnsMs, connectMs, tlsMs, firstByteMs, totalMs } = got.phases ?? { totalMs: -1 };
    for (const value of [dnsMs, connectMs, tlsMs, firstByteMs, totalMs]) expect(value).toBeGreaterThanOrEqual(0);
    expect(firstByteMs!).toBeGreaterThanOrEqual(dnsMs! + connectMs! + tlsMs! - 0.05);
    expect(totalMs).toBeGreaterThanOrEqual(firstByteMs!);
    expect(got.latencyMs).toBe(totalMs);
  });

  it('checks an IP literal against the certificate without SNI', async () => {
    const got = await check({ url: `https://127.0.0.1:${tlsPorts.expired}/ok` });
    expect(got.code).toBe('CERT_HAS_EXPIRED');
    const relaxed = await check({ url: `https://127.0.0.1:${tlsPorts.expired}/ok`, tls_verify: false });
    expect(relaxed.outcome).toBe('up');
    expect(relaxed.phases?.dnsMs).toBeUndefined();
    expect(relaxed.phases?.tlsMs).toBeGreaterThanOrEqual(0);
  });
});

describe('http probe config', () => {
  it('fills the defaults', () => {
    expect(configOf({ url: 'https://example.com/health' })).toEqual({
      id: 'web',
      component: 'site',
      type: 'http',
      url: 'https://example.com/health',
      interval: 60_000,
      timeout: 10_000,
      fail_after: 2,
      recover_after: 2,
      method: 'GET',
      follow_redirects: 5,
      tls_verify: true,
      ip_version: 'any',
      max_body_bytes: MIB,
      expect: { status: [{ min: 200, max: 299 }] },
    });
  });

  it('keeps the fields it was given', () => {
    const config = configOf({
      url: 'http://127.0.0.1:8080/',
      method: 'HEAD',
      follow_redirects: 0,
      expect: { status: [204, '300-399'], json_path: { path: '$.a[2].b', equals: { c: [1] } }, max_latency: '2s' },
    });
    expect(config.expect).toEqual({ status: [{ min: 204, max: 204 }, { min: 300, max: 399 }], json_path: { path: '$.a[2].b', equals: { c: [1] } }, max_latency: 2000 });
  });

  it.each([
    [{ expect: { status: ['299-200'] } }, 'expect.status.0', 'expected a status code 100-599 or a range such as "200-299", got "299-200"'],
    [{ expect: { status: [600] } }, 'expect.status.0', 'expected a status code 100-599 or a range such as "200-299", got 600'],
    [{ expect: { status: [true] } }, 'expect.status.0', 'expected a status code 100-599'],
    [{ expect: { status: [] } }, 'expect.status', 'expected at least one status code or range'],
    [{ expect: { body_regex: '(unclosed' } }, 'expect.body_regex', 'expected a valid regular expression'],
    [{ expect: { json_path: { path: 'status.indicator', equals: 'none' } } }, 'expect.json_path.path', 'expected a JSON path such as "$.status.indicator"'],
    [{ expect: { json_path: { path: '$.items[x]', equals: 1 } } }, 'expect.json_path.path', 'expected a JSON path'],
    [{ expect: { json_path: { path: '$.ok' } } }, 'expect.json_path.equals', 'expected the JSON value to find at path'],
    [{ expect: { max_latency: 'fast' } }, 'expect.max_latency', 'expected a duration'],
    [{ expect: { body_contain: 'typo' } }, 'expect', 'body_contain'],
    [{ url: 'ftp://example.com/' }, 'url', 'expected an absolute http:// or https:// URL'],
    [{ url: '/health' }, 'url', 'expected an absolute http:// or https:// URL'],
    [{ url: 'https://user:pw@example.com/' }, 'url', 'expected a URL without user:password'],
    [{ follow_redirect: 3 }, '', 'follow_redirect'],
    [{ method: 'FETCH' }, 'method', 'expected one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS'],
    [{ follow_redirects: 21 }, 'follow_redirects', 'expected the number of redirects to follow: a whole number from 0 to 20'],
    [{ max_body_bytes: 17 * MIB }, 'max_body_bytes', 'expected a body size in bytes'],
    [{ headers: { 'X-Bad': 'a\r\nInjected: 1' } }, 'headers.X-Bad', 'expected a header value on one line'],
    [{ url: 'http://[::1]/', ip_version: 4 }, 'ip_version', 'expected ip_version 6 or any'],
  ])('rejects %j at %s', (fields, path, message) => {
    const parsed = httpProbeSchema.safeParse({ id: 'web', component: 'site', type: 'http', url: 'https://example.com/', ...fields });
    expect(parsed.success).toBe(false);
    const issues = parsed.error!.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
    expect(issues).toContainEqual({ path, message: expect.stringContaining(message) });
  });

  it.each([
    ['$', []],
    ['$.status.indicator', ['status', 'indicator']],
    ['$.items[0].ok', ['items', 0, 'ok']],
    ['$[3][1]', [3, 1]],
    ['$.', undefined],
    ['$..a', undefined],
    ['$.a[-1]', undefined],
    ['items[0]', undefined],
  ])('parses the JSON path %s', (path, segments) => {
    expect(parseJsonPath(path)).toEqual(segments);
  });
});
