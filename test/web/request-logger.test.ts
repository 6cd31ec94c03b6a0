import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serverLoggerOptions } from '../../src/web/request-logger.js';
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

  it('are made, with the request id, once a request logs', async () => {
    // A sign-in without its CSRF pair: refused, and logged with the request's id.
    const res = await t.app.inject({ method: 'POST', url: '/admin/login', payload: { email: 'a@acme.example', password: 'x' } });
    expect(res.statusCode).toBe(403);
    expect(children).toBe(1);
    const refused = lines.find((l) => l.msg === 'admin: sign-in refused, CSRF pair missing, stale or wrong');
    expect(refused?.reqId).toMatch(/^req-/);
    // The access lines of that request carry the same id: one child for the whole request.
    expect(lines.filter((l) => l.reqId === refused!.reqId).map((l) => l.msg)).toEqual(['incoming request', refused!.msg, 'request completed']);
    expect(JSON.stringify(lines)).not.toContain('"password"');
  });
});
