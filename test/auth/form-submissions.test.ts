import { afterEach, describe, expect, it } from 'vitest';
import { FormSubmissionStore } from '../../src/auth/form-submission-store.js';
import { makeTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
afterEach(() => t.close());

describe('FormSubmissionStore', () => {
  it('claims once, reports the result to repeats, and frees a claim its writer never finished', async () => {
    t = await makeTestApp();
    const store = new FormSubmissionStore(t.db);
    const T = t.clock.ms;
    expect(store.claim('op1', 'tok', T)).toEqual({ kind: 'claimed' });
    expect(store.claim('op1', 'tok', T + 10)).toEqual({ kind: 'pending' });
    // A process that died mid-write left its claim: a minute later the token is free again.
    expect(store.claim('op1', 'tok', T + 61_000)).toEqual({ kind: 'claimed' });
    store.done('op1', 'tok', '/admin/incidents/abc');
    expect(store.claim('op1', 'tok', T + 62_000)).toEqual({ kind: 'done', location: '/admin/incidents/abc' });
    // A finished submission is not freed by a late release, and is forgotten after a day.
    store.release('op1', 'tok');
    expect(store.claim('op1', 'tok', T + 3_600_000)).toEqual({ kind: 'done', location: '/admin/incidents/abc' });
    expect(store.claim('op1', 'tok', T + 25 * 3_600_000)).toEqual({ kind: 'claimed' });
    expect(store.claim('op2', 'tok', T + 25 * 3_600_000)).toEqual({ kind: 'claimed' });
  });

  it('tells a repeat from another submission under the same token by its fingerprint', async () => {
    t = await makeTestApp();
    const store = new FormSubmissionStore(t.db);
    const T = t.clock.ms;
    expect(store.claim('api:k', 'key-1', T, 'body-a')).toEqual({ kind: 'claimed' });
    store.done('api:k', 'key-1', 'inc1');
    expect(store.claim('api:k', 'key-1', T + 1, 'body-a')).toEqual({ kind: 'done', location: 'inc1' });
    expect(store.claim('api:k', 'key-1', T + 1, 'body-b')).toEqual({ kind: 'mismatch' });
    // A claim kept without one (from before fingerprints were kept) is a repeat of anything.
    expect(store.claim('api:k', 'key-2', T)).toEqual({ kind: 'claimed' });
    store.done('api:k', 'key-2', 'inc2');
    expect(store.claim('api:k', 'key-2', T + 1, 'body-c')).toEqual({ kind: 'done', location: 'inc2' });
  });
});
