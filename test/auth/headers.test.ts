import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, addOperator, EDITOR, FORM, form, makeAdminApp, signedIn, type AdminTestApp } from './helpers.js';

let t: AdminTestApp;
let admin: string;
let editor: string;
beforeAll(async () => {
  t = await makeAdminApp();
  await addOperator(t.stores, ADMIN, 'admin', t.clock.ms);
  await addOperator(t.stores, EDITOR, 'editor', t.clock.ms);
  admin = (await signedIn(t.app, ADMIN)).jar.header();
  editor = (await signedIn(t.app, EDITOR)).jar.header();
});
afterAll(() => t.close());

const EXPECTED = {
  'content-security-policy': "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

describe('security headers', () => {
  it.each([
    ['sign-in form', 'GET', '/admin/login', '', 200],
    ['dashboard', 'GET', '/admin', 'admin', 200],
    ['operators', 'GET', '/admin/operators', 'admin', 200],
    ['redirect to sign-in', 'GET', '/admin', '', 303],
    ['403 page', 'GET', '/admin/operators', 'editor', 403],
    ['404 page', 'GET', '/admin/nothing-here', 'admin', 404],
    ['401 page', 'POST', '/admin/operators', '', 401],
    ['refused sign-in', 'POST', '/admin/login', '', 403],
    ['unreadable form', 'POST', '/admin/logout', 'admin', 415],
  ] as const)('are on the %s', async (_name, method, url, who, status) => {
    const cookie = who === 'admin' ? admin : who === 'editor' ? editor : '';
    const unreadable = status === 415;
    const res = await t.app.inject({
      method,
      url,
      headers: { cookie, 'content-type': unreadable ? 'application/xml' : FORM['content-type'] },
      payload: method === 'POST' ? (unreadable ? '<x/>' : form({ email: 'a@b.example', password: 'x' })) : undefined,
    });
    expect(res.statusCode).toBe(status);
    for (const [name, value] of Object.entries(EXPECTED)) expect(res.headers[name], name).toBe(value);
    if (status !== 303) expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
  });

  it('stay inside /admin: a public route keeps its own headers and accepts no forms', async () => {
    const res = await t.app.inject({ url: '/', headers: { cookie: admin } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=15');
    expect(res.headers['content-security-policy']).toBeUndefined();
    expect(res.headers['set-cookie']).toBeUndefined();
    const posted = await t.app.inject({ method: 'POST', url: '/public-form', headers: FORM, payload: 'a=1' });
    expect(posted.statusCode).toBe(415);
  });

  it('pages use no inline style or script, which the policy would block', async () => {
    for (const url of ['/admin', '/admin/operators']) {
      const html = (await t.app.inject({ url, headers: { cookie: admin } })).body;
      expect(html).not.toMatch(/<script|\sstyle=|<style|\son[a-z]+=/i);
      expect(html).toMatch(/<link rel="stylesheet" href="\/static\/admin\.css\?v=[0-9a-f]{10}">/);
    }
  });

  it('serves the stylesheet the pages link to', async () => {
    const html = (await t.app.inject('/admin/login')).body;
    const href = /href="(\/static\/admin\.css\?v=[0-9a-f]+)"/.exec(html)![1]!;
    const css = await t.app.inject(href);
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
  });

  it('a server error shows the request id, never a stack trace', async () => {
    const broken = await makeAdminApp({
      routes: [
        async (a) => {
          a.get('/boom', async () => {
            throw new Error('secret internal detail at /srv/app.ts:12');
          });
        },
      ],
    });
    try {
      await addOperator(broken.stores, ADMIN, 'admin', broken.clock.ms);
      const { jar } = await signedIn(broken.app, ADMIN);
      const res = await broken.app.inject({ url: '/admin/boom', headers: { cookie: jar.header() } });
      expect(res.statusCode).toBe(500);
      expect(res.body).toContain('Something went wrong on our side. Request id');
      expect(res.body).not.toContain('secret internal detail');
      expect(res.headers['content-security-policy']).toBe(EXPECTED['content-security-policy']);
      expect(broken.logs.join('')).toContain('secret internal detail');
    } finally {
      await broken.close();
    }
  });
});
