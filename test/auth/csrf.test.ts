import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOUR, MINUTE } from '../../src/util/time.js';
import { ADMIN, addOperator, csrfOf, EDITOR, FORM, form, Jar, makeAdminApp, signedIn, snapshot, type AdminTestApp } from './helpers.js';

let t: AdminTestApp;
beforeEach(async () => {
  t = await makeAdminApp();
  await addOperator(t.stores, ADMIN, 'admin', t.clock.ms);
});
afterEach(() => t.close());

/** Every state-changing admin route, with a body that would change something if it were accepted. */
const POSTS: { url: string; fields: Record<string, string> }[] = [
  { url: '/admin/logout', fields: {} },
  { url: '/admin/operators', fields: { name: 'Mallory', email: 'mallory@evil.example', role: 'admin', password: 'mallory password 123' } },
];

describe('CSRF on signed-in forms', () => {
  it.each(POSTS)('$url: a missing, empty or wrong token gives 403 and writes nothing', async ({ url, fields }) => {
    const { jar, csrf } = await signedIn(t.app, ADMIN);
    // Past the once-a-minute refresh: a request that slipped through would now write last_seen_at.
    t.clock.advance(2 * MINUTE);
    const before = snapshot(t.db);
    const wrong = csrf.slice(0, -2) + (csrf.endsWith('AA') ? 'BB' : 'AA');
    const attempts = [
      { ...fields },
      { ...fields, _csrf: '' },
      { ...fields, _csrf: wrong },
      { ...fields, _csrf: csrf.slice(0, 10) },
    ];
    for (const body of attempts) {
      const res = await t.app.inject({ method: 'POST', url, headers: { ...FORM, cookie: jar.header() }, payload: form(body) });
      expect(res.statusCode, JSON.stringify(body._csrf)).toBe(403);
      expect(res.body).toContain('did not come from this site');
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    expect(snapshot(t.db)).toEqual(before);
    // A token from another operator's session is wrong too.
    await addOperator(t.stores, EDITOR, 'editor', t.clock.ms);
    const other = await signedIn(t.app, EDITOR);
    const afterOtherSignIn = snapshot(t.db);
    const res = await t.app.inject({ method: 'POST', url, headers: { ...FORM, cookie: jar.header() }, payload: form({ ...fields, _csrf: other.csrf }) });
    expect(res.statusCode).toBe(403);
    expect(snapshot(t.db)).toEqual(afterOtherSignIn);
  });

  it('accepts the right token (the check is not simply refusing everything)', async () => {
    const { jar, csrf } = await signedIn(t.app, ADMIN);
    const res = await t.app.inject({ method: 'POST', url: '/admin/operators', headers: { ...FORM, cookie: jar.header() }, payload: form({ ...POSTS[1]!.fields, _csrf: csrf }) });
    expect(res.statusCode).toBe(303);
    expect(t.stores.operators.byEmail('mallory@evil.example')).toBeDefined();
  });

  it('accepts the token in the X-CSRF-Token header too', async () => {
    const { jar, csrf } = await signedIn(t.app, ADMIN);
    const res = await t.app.inject({ method: 'POST', url: '/admin/logout', headers: { ...FORM, cookie: jar.header(), 'x-csrf-token': csrf }, payload: '' });
    expect(res.statusCode).toBe(303);
  });

  it.each(['PUT', 'PATCH', 'DELETE'] as const)('%s on a route added through `routes` is checked too', async (method) => {
    // A later step's routes register inside the admin scope; this one writes a meta row when reached.
    const w = await makeAdminApp({
      routes: [
        async (admin) => {
          admin.route({ method: ['PUT', 'PATCH', 'DELETE'], url: '/probe-write', handler: async () => (w.stores.meta.set('probe', method), { ok: true }) });
        },
      ],
    });
    try {
      await addOperator(w.stores, ADMIN, 'admin', w.clock.ms);
      const { jar, csrf } = await signedIn(w.app, ADMIN);
      w.clock.advance(2 * MINUTE);
      const before = snapshot(w.db);
      for (const headers of [{}, { 'x-csrf-token': 'wrong' }]) {
        const res = await w.app.inject({ method, url: '/admin/probe-write', headers: { ...FORM, ...headers, cookie: jar.header() }, payload: '' });
        expect(res.statusCode).toBe(403);
      }
      expect(snapshot(w.db)).toEqual(before);
      const ok = await w.app.inject({ method, url: '/admin/probe-write', headers: { ...FORM, 'x-csrf-token': csrf, cookie: jar.header() }, payload: '' });
      expect(ok.statusCode).toBe(200);
      expect(w.stores.meta.get('probe')).toBe(method);
      const signedOut = await w.app.inject({ method, url: '/admin/probe-write', headers: { ...FORM, 'x-csrf-token': csrf }, payload: '' });
      expect(signedOut.statusCode).toBe(401);
    } finally {
      await w.close();
    }
  });

  it.each(POSTS)('$url signed out gives 401 and writes nothing', async ({ url, fields }) => {
    const before = snapshot(t.db);
    const res = await t.app.inject({ method: 'POST', url, headers: FORM, payload: form({ ...fields, _csrf: 'x' }) });
    expect(res.statusCode).toBe(401);
    expect(res.body).toContain('href="/admin/login"');
    expect(snapshot(t.db)).toEqual(before);
  });
});

describe('CSRF on the sign-in form (double submit)', () => {
  async function loginPage() {
    const jar = new Jar();
    const page = await t.app.inject('/admin/login');
    jar.take(page);
    return { jar, csrf: csrfOf(page.body) };
  }
  const post = (cookie: string, fields: Record<string, string>) =>
    t.app.inject({ method: 'POST', url: '/admin/login', headers: { ...FORM, cookie }, payload: form({ email: ADMIN.email, password: ADMIN.password, ...fields }) });

  it('refuses a missing field, a missing cookie, a wrong pair and a stale form with 403, writing nothing', async () => {
    const a = await loginPage();
    const b = await loginPage();
    const before = snapshot(t.db);
    const cases: [string, string, Record<string, string>][] = [
      ['no field', a.jar.header(), {}],
      ['empty field', a.jar.header(), { _csrf: '' }],
      ['no cookie', '', { _csrf: a.csrf }],
      ["another form's cookie", b.jar.header(), { _csrf: a.csrf }],
      ['forged field', a.jar.header(), { _csrf: `${t.clock.ms}.${'A'.repeat(43)}` }],
    ];
    for (const [name, cookie, fields] of cases) {
      const res = await post(cookie, fields);
      expect(res.statusCode, name).toBe(403);
      expect(res.body, name).toContain('This sign-in form has expired or did not come from this site.');
      expect(res.body, name).toContain(`value="${ADMIN.email}"`);
      expect(res.headers['set-cookie'], name).not.toMatch(/outpost_session=/);
    }
    t.clock.advance(HOUR + MINUTE);
    const stale = await post(a.jar.header(), { _csrf: a.csrf });
    expect(stale.statusCode).toBe(403);
    expect(snapshot(t.db)).toEqual(before);
    // The refused attempts did not count against the account either.
    expect(t.db.prepare('SELECT count(*) AS n FROM login_failures').get()).toEqual({ n: 0 });
  });

  it('keeps the nonce across reloads, so two open tabs both work', async () => {
    const a = await loginPage();
    const again = await t.app.inject({ url: '/admin/login', headers: { cookie: a.jar.header() } });
    a.jar.take(again);
    expect((await post(a.jar.header(), { _csrf: a.csrf })).statusCode).toBe(303);
  });
});
