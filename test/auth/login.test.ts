import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MINUTE } from '../../src/util/time.js';
import { ADMIN, addOperator, alertOf, csrfOf, FORM, form, Jar, makeAdminApp, signIn, type AdminTestApp } from './helpers.js';

let t: AdminTestApp;
beforeEach(async () => {
  t = await makeAdminApp();
  await addOperator(t.stores, ADMIN, 'admin', t.clock.ms);
});
afterEach(() => t.close());

const sessionCookie = (res: { cookies: unknown[] }) =>
  (res.cookies as { name: string; value: string; httpOnly?: boolean; sameSite?: string; path?: string; secure?: boolean }[]).find((c) => c.name === 'outpost_session');

describe('sign-in', () => {
  it('shows a form with a CSRF field and sets the short-lived, strict form cookie', async () => {
    const res = await t.app.inject('/admin/login');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<form method="post" action="/admin/login">');
    expect(res.body).toContain('autocomplete="current-password"');
    expect(csrfOf(res.body)).toMatch(/^\d+\.[A-Za-z0-9_-]{43}$/);
    const cookie = (res.cookies as { name: string; sameSite?: string; httpOnly?: boolean; path?: string; maxAge?: number }[]).find((c) => c.name === 'outpost_login');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/admin/login', maxAge: 3600 });
  });

  it('sets an HttpOnly, SameSite=Lax session cookie on /admin and lands on the dashboard', async () => {
    const jar = new Jar();
    const res = await signIn(t.app, jar, ADMIN.email, ADMIN.password);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin');
    const cookie = sessionCookie(res)!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/admin' });
    expect(cookie.secure).toBeFalsy();
    expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 bits
    const set = ([] as string[]).concat(res.headers['set-cookie'] as string | string[]).find((h) => h.startsWith('outpost_session='))!;
    expect(set).toMatch(/; HttpOnly/);
    expect(set).toMatch(/; SameSite=Lax/);

    const dash = await t.app.inject({ url: '/admin', headers: { cookie: jar.header() } });
    expect(dash.statusCode).toBe(200);
    expect(dash.body).toContain('Signed in as <strong>Ada</strong> (ada@acme.example)');
    expect(dash.body).toContain('Role: <strong>admin</strong>');
    expect(dash.body).toMatch(/<form method="post" action="\/admin\/logout"[^>]*>\s*<input type="hidden" name="_csrf"/);
  });

  it('marks the cookie Secure when the page is served over https', async () => {
    const s = await makeAdminApp({ secure: true });
    try {
      await addOperator(s.stores, ADMIN, 'admin', s.clock.ms);
      const res = await signIn(s.app, new Jar(), ADMIN.email, ADMIN.password);
      expect(sessionCookie(res)).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Lax' });
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000');
    } finally {
      await s.close();
    }
  });

  it('stores only the SHA-256 of the session id', async () => {
    const res = await signIn(t.app, new Jar(), ADMIN.email, ADMIN.password);
    const raw = sessionCookie(res)!.value;
    const stored = t.db.prepare('SELECT id_hash FROM operator_sessions').all() as { id_hash: string }[];
    expect(stored).toHaveLength(1);
    expect(stored[0]!.id_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored[0]!.id_hash).not.toContain(raw);
  });

  it('rotates the session id at sign-in and discards the session held before', async () => {
    const jar = new Jar();
    await signIn(t.app, jar, ADMIN.email, ADMIN.password);
    const first = jar.cookies.get('outpost_session')!;
    t.clock.advance(MINUTE);
    // A signed-in browser is sent away from the form, so load it without the session cookie, then
    // post it with both cookies, as a second tab would.
    const page = await t.app.inject('/admin/login');
    const loginCookie = (page.cookies as { name: string; value: string }[]).find((c) => c.name === 'outpost_login')!.value;
    const again = await t.app.inject({
      method: 'POST',
      url: '/admin/login',
      headers: { ...FORM, cookie: `outpost_session=${first}; outpost_login=${loginCookie}` },
      payload: form({ _csrf: csrfOf(page.body), email: ADMIN.email, password: ADMIN.password }),
    });
    expect(again.statusCode).toBe(303);
    const second = sessionCookie(again)!.value;
    expect(second).not.toBe(first);
    // The one held before is over at once (kept, unusable, for an hour: a form from it is recognised).
    const lastSeen = t.db.prepare('SELECT last_seen_at AS at FROM operator_sessions ORDER BY created_at, last_seen_at').all() as { at: number }[];
    expect(lastSeen).toHaveLength(2);
    const old = await t.app.inject({ url: '/admin', headers: { cookie: `outpost_session=${first}` } });
    expect(old.statusCode).toBe(303);
    expect(old.headers.location).toBe('/admin/login');
    const current = await t.app.inject({ url: '/admin', headers: { cookie: `outpost_session=${second}` } });
    expect(current.statusCode).toBe(200);
  });

  it('never accepts a session id the browser brought: an unknown cookie is ignored, not adopted', async () => {
    const planted = 'A'.repeat(43);
    const res = await t.app.inject({ url: '/admin', headers: { cookie: `outpost_session=${planted}` } });
    expect(res.statusCode).toBe(303);
    const jar = new Jar();
    jar.cookies.set('outpost_session', planted);
    await signIn(t.app, jar, ADMIN.email, ADMIN.password);
    expect(jar.cookies.get('outpost_session')).not.toBe(planted);
  });

  it('accepts the email in any case and with spaces around it', async () => {
    const res = await signIn(t.app, new Jar(), '  ADA@Acme.Example ', ADMIN.password);
    expect(res.statusCode).toBe(303);
  });

  it('gives the same status and message for an unknown email and a wrong password', async () => {
    const wrong = await signIn(t.app, new Jar(), ADMIN.email, 'not the password at all');
    const unknown = await signIn(t.app, new Jar(), 'nobody@acme.example', 'not the password at all');
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(alertOf(wrong.body)).toBe('Email or password is incorrect.');
    expect(alertOf(unknown.body)).toBe(alertOf(wrong.body));
    // The page is the same but for the email typed and the fresh form token.
    const normalise = (html: string) => html.replace(/value="[^"]*"/g, 'value=""');
    expect(normalise(unknown.body)).toBe(normalise(wrong.body));
    expect(wrong.body).toContain(`value="${ADMIN.email}"`);
    expect(wrong.headers['set-cookie']).not.toMatch(/outpost_session=/);
  });

  it('gives a disabled operator the same answer as a wrong password', async () => {
    t.db.prepare('UPDATE operators SET disabled = 1').run();
    const res = await signIn(t.app, new Jar(), ADMIN.email, ADMIN.password);
    expect(res.statusCode).toBe(401);
    expect(alertOf(res.body)).toBe('Email or password is incorrect.');
  });

  it.each([
    [{ email: '', password: 'x' }, 'email', 'Enter an email address.'],
    [{ email: 'not-an-email', password: 'x' }, 'email', 'Enter an email address, like name@example.com.'],
    [{ email: ADMIN.email, password: '' }, 'password', 'Enter your password.'],
  ])('re-renders %j with the email typed and the error beside the field (400)', async (fields, field, message) => {
    const jar = new Jar();
    const page = await t.app.inject('/admin/login');
    jar.take(page);
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/login',
      headers: { ...FORM, cookie: jar.header() },
      payload: form({ _csrf: csrfOf(page.body), ...fields }),
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain(`<p class="error" id="${field}-error">${message}</p>`);
    expect(res.body).toMatch(new RegExp(`id="${field}"[^>]*aria-invalid="true" aria-describedby="${field}-error"`));
    expect(res.body).toContain(`name="email" type="email"`);
    if (fields.email) expect(res.body).toContain(`value="${fields.email}"`);
    expect(res.body).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  });

  it('escapes what was typed when it shows it again', async () => {
    const res = await signIn(t.app, new Jar(), '"><script>alert(1)</script>', 'x');
    expect(res.statusCode).toBe(400);
    expect(res.body).not.toContain('<script>');
    expect(res.body).toContain('&quot;&gt;&lt;script&gt;');
  });

  it('sends a signed-in operator from the sign-in form to the dashboard', async () => {
    const jar = new Jar();
    await signIn(t.app, jar, ADMIN.email, ADMIN.password);
    const res = await t.app.inject({ url: '/admin/login', headers: { cookie: jar.header() } });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin');
  });

  it('audits sign-ins and failed sign-ins without the password', async () => {
    await signIn(t.app, new Jar(), ADMIN.email, 'wrong password here');
    await signIn(t.app, new Jar(), 'nobody@acme.example', 'another wrong one');
    await signIn(t.app, new Jar(), ADMIN.email, ADMIN.password);
    const entries = t.stores.audit.list(10);
    expect(entries.map((e) => [e.action, e.actor.kind, e.actor.name, (e.after as { reason?: string } | null)?.reason ?? null])).toEqual([
      ['auth.login', 'operator', ADMIN.email, null],
      ['auth.login_failed', 'anonymous', 'nobody@acme.example', 'unknown_account'],
      ['auth.login_failed', 'operator', ADMIN.email, 'wrong_password'],
    ]);
    expect(entries.every((e) => e.ip === '127.0.0.1')).toBe(true);
    expect(JSON.stringify(entries)).not.toMatch(/wrong password here|another wrong one|staple/);
  });
});
