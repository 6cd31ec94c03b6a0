import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loggableUrl, serverLoggerOptions } from '../../src/web/request-logger.js';
import { makeTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
let lines: Record<string, unknown>[];
let children: number;
beforeEach(async () => {
  lines = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  t = await makeTestApp({ logger: { ...serverLoggerOptions('info'), stream } });
  // Count the request loggers pino is asked to make.
  const child = t.app.log.child.bind(t.app.log);
  children = 0;
  t.app.log.child = (...args: Parameters<typeof child>) => {
    children++;
    return child(...args);
  };
  lines.length = 0;
});
afterEach(() => t.close());

describe('request loggers', () => {
  it('are not made for public reads, which never log', async () => {
    for (const url of ['/', '/api/v2/summary.json', '/history', '/history.rss', '/nope']) {
      expect((await t.app.inject(url)).statusCode, url).toBeLessThan(500);
    }
    expect(children).toBe(0);
    expect(lines).toEqual([]);
  });

  it('never write a heartbeat token, however its URL is spelled', async () => {
    for (const url of ['/api/v1/heartbeats/tok3n-A', '/api/v1/%68eartbeats/tok3n-B', '/api/%761/heartbeats/tok3n-C', '//api/v1/heartbeats/tok3n-D', '/API/V1/HEARTBEATS/tok3n-E?x=1']) {
      await t.app.inject({ method: 'POST', url });
    }
    const text = JSON.stringify(lines);
    expect(text).not.toMatch(/tok3n/);
    // Any other line about such a request (an error, say) names the kind of URL, not the token.
    expect(loggableUrl('/api/v1/%68eartbeats/tok3n?status=fail')).toBe('/api/v1/heartbeats/[token]');
    expect(loggableUrl('//api/v1/heartbeats/tok3n')).toBe('/api/v1/heartbeats/[token]');
    expect(loggableUrl('/admin/incidents?page=2')).toBe('/admin/incidents?page=2');
  });

  it('write the app\'s own lines through the same logger', async () => {
    t.app.log.info({ component: 'website' }, 'hello');
    expect(lines).toMatchObject([{ level: 30, component: 'website', msg: 'hello' }]);
  });

  it('log a failed public read with its request id', async () => {
    t.app.get('/boom', async () => {
      throw new Error('kaput');
    });
    expect((await t.app.inject('/boom')).statusCode).toBe(500);
    const failed = lines.find((l) => l.msg === 'request failed');
    expect(failed?.reqId).toMatch(/^req-/);
    expect((failed?.err as { message: string }).message).toBe('kaput');
  });

  it('are made, with the request id, once a request logs', async () => {
    // A sign-in without its CSRF pair: refused, and logged with the request's id.
    const res = await t.app.inject({ method: 'POST', url: '/admin/login', payload: { email: 'a@acme.example', password: 'x' } });
    expect(res.statusCode).toBe(403);
    expect(children).toBe(1);
    const refused = lines.find((l) => l.msg === 'admin: sign-in refused, CSRF pair missing, stale or wrong');
    expect(refused?.reqId).toMatch(/^req-/);
    // The access lines of that request carry the same id: one child for the whole request.
    const request = lines.filter((l) => l.reqId === refused!.reqId);
    expect(request.map((l) => l.msg)).toEqual(['incoming request', refused!.msg, 'request completed']);
    expect(request[0]!.req).toEqual({ method: 'POST', url: '/admin/login', hostname: 'localhost', remoteAddress: '127.0.0.1' });
    expect(request[2]).toMatchObject({ res: { statusCode: 403 }, responseTime: expect.any(Number) });
    expect(JSON.stringify(lines)).not.toContain('"password"');
  });
});
