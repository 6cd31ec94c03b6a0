import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOUR, MINUTE } from '../../src/util/time.js';
import { ADMIN, addOperator, FORM, form, makeAdminApp, signedIn, type AdminTestApp } from './helpers.js';

let t: AdminTestApp;
beforeEach(async () => {
  t = await makeAdminApp();
  await addOperator(t.stores, ADMIN, 'admin', t.clock.ms);
});
afterEach(() => t.close());

const dashboard = (cookie: string) => t.app.inject({ url: '/admin', headers: { cookie } });
const lastSeen = () => (t.db.prepare('SELECT last_seen_at AS at FROM operator_sessions').get() as { at: number }).at;

describe('sessions', () => {
  it('end after 30 minutes without use', async () => {
    const { jar } = await signedIn(t.app, ADMIN);
    t.clock.advance(30 * MINUTE - 1);
    expect((await dashboard(jar.header())).statusCode).toBe(200);
    t.clock.advance(30 * MINUTE);
    const res = await dashboard(jar.header());
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/login');
  });

  it('stay alive while used, refreshing last use at most once a minute', async () => {
    const { jar } = await signedIn(t.app, ADMIN);
    const start = lastSeen();
    t.clock.advance(30_000);
    await dashboard(jar.header());
    expect(lastSeen()).toBe(start); // within the minute: no write
    t.clock.advance(40_000);
    await dashboard(jar.header());
    expect(lastSeen()).toBe(start + 70_000);
    // Used every 20 minutes for two hours: never idle for 30.
    for (let i = 0; i < 6; i++) {
      t.clock.advance(20 * MINUTE);
      expect((await dashboard(jar.header())).statusCode, `after ${(i + 1) * 20} min`).toBe(200);
    }
  });

  it('end 12 hours after sign-in however busy', async () => {
    const { jar } = await signedIn(t.app, ADMIN);
    for (let used = 0; used < 12 * HOUR - 10 * MINUTE; used += 10 * MINUTE) {
      t.clock.advance(10 * MINUTE);
      expect((await dashboard(jar.header())).statusCode).toBe(200);
    }
    t.clock.advance(10 * MINUTE); // 12 h exactly
    expect((await dashboard(jar.header())).statusCode).toBe(303);
  });

  it('end at sign-out: the cookie is cleared and the old value no longer works', async () => {
    const { jar, csrf } = await signedIn(t.app, ADMIN);
    const old = jar.header();
    const res = await t.app.inject({ method: 'POST', url: '/admin/logout', headers: { ...FORM, cookie: old }, payload: form({ _csrf: csrf }) });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/login');
    expect(res.headers['set-cookie']).toMatch(/outpost_session=;.*Path=\/admin/);
    expect(t.db.prepare('SELECT count(*) AS n FROM operator_sessions').get()).toEqual({ n: 0 });
    expect((await dashboard(old)).statusCode).toBe(303);
    // The old CSRF token is no use either.
    const replay = await t.app.inject({ method: 'POST', url: '/admin/logout', headers: { ...FORM, cookie: old }, payload: form({ _csrf: csrf }) });
    expect(replay.statusCode).toBe(401);
    expect(t.stores.audit.list(1)[0]).toMatchObject({ action: 'auth.logout', actor: { kind: 'operator', name: ADMIN.email } });
  });

  it('end when the operator is disabled', async () => {
    const { jar } = await signedIn(t.app, ADMIN);
    t.db.prepare('UPDATE operators SET disabled = 1').run();
    expect((await dashboard(jar.header())).statusCode).toBe(303);
  });

  it('are pruned from the table at the next sign-in once expired', async () => {
    await signedIn(t.app, ADMIN);
    t.clock.advance(HOUR);
    await signedIn(t.app, ADMIN);
    expect(t.db.prepare('SELECT count(*) AS n FROM operator_sessions').get()).toEqual({ n: 1 });
  });
});

describe('signed out', () => {
  it.each(['/admin', '/admin/', '/admin/operators', '/admin/no-such-page'])('GET %s redirects to the sign-in form', async (url) => {
    const res = await t.app.inject(url);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/login');
  });
});
