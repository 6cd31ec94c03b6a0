import { describe, expect, it } from 'vitest';
import { systemLookup } from '../../src/probes/http-connect.js';
import { LookupLimiter, MAX_SYSTEM_LOOKUPS, systemLookups } from '../../src/probes/system-lookup.js';
import { defaultLookup } from '../../src/probes/tcp.js';

/** A resolver that answers only when the test says so, recording what it was asked. */
function heldResolver() {
  const asked: string[] = [];
  const pending = new Map<string, (address: string) => void>();
  const resolve = (hostname: string) => {
    asked.push(hostname);
    return new Promise<{ address: string; family: number }>((done) => pending.set(hostname, (address) => done({ address, family: 4 })));
  };
  return { asked, resolve, answer: (hostname: string, address: string) => pending.get(hostname)!(address) };
}

describe('system lookups, a few at a time', () => {
  it('runs at most `max` lookups at once; the others wait and start in order as slots free', async () => {
    const held = heldResolver();
    const limiter = new LookupLimiter(2, held.resolve);
    const answers = ['a', 'b', 'c', 'd'].map((host) => limiter.lookup(host, 0));
    await Promise.resolve();
    expect(held.asked).toEqual(['a', 'b']);
    expect(limiter.load).toEqual({ running: 2, waiting: 2 });

    held.answer('b', '192.0.2.2');
    expect(await answers[1]).toEqual({ address: '192.0.2.2', family: 4 });
    await Promise.resolve();
    expect(held.asked).toEqual(['a', 'b', 'c']);

    held.answer('a', '192.0.2.1');
    held.answer('c', '192.0.2.3');
    await Promise.all([answers[0], answers[2]]);
    await Promise.resolve();
    held.answer('d', '192.0.2.4');
    expect(await answers[3]).toEqual({ address: '192.0.2.4', family: 4 });
    expect(limiter.load).toEqual({ running: 0, waiting: 0 });
  });

  it('drops a waiting lookup whose probe gave up: it never reaches the resolver and frees no slot it does not hold', async () => {
    const held = heldResolver();
    const limiter = new LookupLimiter(1, held.resolve);
    const first = limiter.lookup('stuck.example', 0);
    const deadline = new AbortController();
    const late = limiter.lookup('late.example', 0, deadline.signal);
    const next = limiter.lookup('next.example', 0);
    deadline.abort(new Error('probe deadline'));
    await expect(late).rejects.toThrow('probe deadline');
    expect(limiter.load).toEqual({ running: 1, waiting: 1 });

    held.answer('stuck.example', '192.0.2.1');
    await first;
    await Promise.resolve();
    expect(held.asked).toEqual(['stuck.example', 'next.example']);
    held.answer('next.example', '192.0.2.2');
    await next;
    expect(limiter.load).toEqual({ running: 0, waiting: 0 });
  });

  it('rejects at once when the signal has already aborted', async () => {
    const held = heldResolver();
    const limiter = new LookupLimiter(1, held.resolve);
    await expect(limiter.lookup('x.example', 0, AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
    expect(held.asked).toEqual([]);
  });

  it('frees the slot when the resolver fails', async () => {
    const limiter = new LookupLimiter(1, async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    });
    await expect(limiter.lookup('nx.example', 0)).rejects.toThrow('ENOTFOUND');
    expect(limiter.load).toEqual({ running: 0, waiting: 0 });
  });

  it("is what the HTTP and TCP probes' default lookups go through (localhost, from the hosts file)", async () => {
    expect(MAX_SYSTEM_LOOKUPS).toBeLessThan(4); // libuv's thread pool has 4 threads: some must stay free
    const viaHttp = new Promise<string>((resolve, reject) =>
      systemLookup('localhost', { family: 4, all: false }, (err, address) => (err ? reject(err) : resolve(address))),
    );
    const viaTcp = defaultLookup('localhost', { family: 4 });
    expect(systemLookups.load.running + systemLookups.load.waiting).toBe(2);
    expect(await viaHttp).toBe('127.0.0.1');
    expect((await viaTcp).address).toBe('127.0.0.1');
    expect(systemLookups.load).toEqual({ running: 0, waiting: 0 });
  });
});
