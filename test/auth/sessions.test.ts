import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOUR, MINUTE } from '../../src/util/time.js';
import { ADMIN, addOperator, csrfOf, FORM, form, Jar, makeAdminApp, signedIn, type AdminTestApp } from './helpers.js';

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

  it('are pruned from the table at a sign-in an hour after they ended (until then a form from one of their pages is kept)', async () => {
    await signedIn(t.app, ADMIN);
    t.clock.advance(HOUR); // ended at 30 min, remembered until 1 h 30
    await signedIn(t.app, ADMIN);
    expect(t.db.prepare('SELECT count(*) AS n FROM operator_sessions').get()).toEqual({ n: 2 });
    t.clock.advance(HOUR);
    await signedIn(t.app, ADMIN);
    expect(t.db.prepare('SELECT count(*) AS n FROM operator_sessions').get()).toEqual({ n: 2 });
  });
});

describe('signed out', () => {
  it.each([
    ['/admin', '/admin/login'],
    ['/admin/', '/admin/login'],
    // Any other admin address is named, existing or not (which pages exist is nobody's business).
    ['/admin/operators', '/admin/login?next=%2Fadmin%2Foperators'],
    ['/admin/no-such-page', '/admin/login?next=%2Fadmin%2Fno-such-page'],
    ['/admin/incidents/abc?done=posted', '/admin/login?next=%2Fadmin%2Fincidents%2Fabc%3Fdone%3Dposted'],
  ])('GET %s redirects to the sign-in form (%s)', async (url, location) => {
    const res = await t.app.inject(url);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(location);
  });
});

describe('signing in leads back to the page asked for', () => {
  async function signInWith(next: string) {
    const jar = new Jar();
    const page = await t.app.inject({ url: `/admin/login?next=${encodeURIComponent(next)}` });
    jar.take(page);
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/login',
      headers: { ...FORM, cookie: jar.header() },
      // Posted as given, whether or not the page carried it: the POST checks it on its own.
      payload: new URLSearchParams({ _csrf: csrfOf(page.body), next, email: ADMIN.email, password: ADMIN.password }).toString(),
    });
    expect(res.statusCode).toBe(303);
    const carried = /name="next" value="([^"]*)"/.exec(page.body)?.[1]?.replace(/&amp;/g, '&');
    return { location: res.headers.location, carried };
  }

  it('an admin page, with its query', async () => {
    for (const next of ['/admin/operators', '/admin/incidents/abc?done=posted&update=x']) expect(await signInWith(next)).toEqual({ location: next, carried: next });
  });

  it.each([
    'https://evil.example/admin/x',
    '//evil.example/admin/x',
    '/admin//evil.example',
    '/admin/\\evil.example',
    '/\\evil.example',
    '/public-form',
    '/admin/login',
    '/admin/logout',
    '/admin/x\r\nSet-Cookie: a=b',
    'javascript:alert(1)',
    '/admin/中',
  ])('never elsewhere: %s leads to the dashboard', async (next) => {
    expect(await signInWith(next)).toEqual({ location: '/admin', carried: undefined });
  });
});
