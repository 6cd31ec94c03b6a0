import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapAdmin } from '../../src/auth/bootstrap.js';
import { createAuthStores, type AuthStores } from '../../src/auth/stores.js';
import { adminAuth } from '../../src/web/admin-auth.js';
import { PUBLIC_CSP } from '../../src/web/security.js';
import { makeTestApp, type TestApp } from '../helpers/app.js';
import { ADMIN, Jar, signIn } from './helpers.js';

let t: TestApp;
let stores: AuthStores;
beforeAll(async () => {
  t = await makeTestApp();
  stores = { ...createAuthStores(t.db), ...t.app.store };
  // Until app.ts registers the admin itself (see the integration notes), register it as app.ts will.
  if (!t.app.hasRoute({ method: 'GET', url: '/admin/login' })) {
    await t.app.register(adminAuth, { stores, clock: t.clock.now, secure: t.config.page.url.startsWith('https:'), pageName: t.config.page.name });
  }
  await bootstrapAdmin(stores, { OUTPOST_ADMIN_EMAIL: ADMIN.email, OUTPOST_ADMIN_PASSWORD: ADMIN.password }, t.clock.now);
});
afterAll(() => t.close());

describe('the admin inside the real app', () => {
  it('leaves the public page, its cache policy and its CSP alone', async () => {
    await t.app.publisher.rebuild();
    const res = await t.app.inject('/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toMatch(/^public, max-age=15/);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['content-security-policy']).toBe(PUBLIC_CSP);
    expect(res.headers['x-frame-options']).toBeUndefined(); // the admin's headers stay on the admin
  });

  it('signs in over the https page with a Secure cookie, and serves its stylesheet', async () => {
    const jar = new Jar();
    const res = await signIn(t.app, jar, ADMIN.email, ADMIN.password);
    expect(res.statusCode).toBe(303);
    expect(([] as string[]).concat(res.headers['set-cookie'] ?? []).join('\n')).toMatch(/outpost_session=[\w-]{43}; Path=\/admin; HttpOnly; Secure; SameSite=Lax/);
    const dash = await t.app.inject({ url: '/admin', headers: { cookie: jar.header() } });
    expect(dash.statusCode).toBe(200);
    expect(dash.headers['cache-control']).toBe('no-store');
    const href = /href="(\/static\/admin\.css\?v=[0-9a-f]+)"/.exec(dash.body)![1]!;
    expect((await t.app.inject(href)).statusCode).toBe(200);
  });

  it('keeps the public 404 for paths outside /admin', async () => {
    const res = await t.app.inject('/administrator');
    expect(res.statusCode).toBe(404);
    expect(res.headers.location).toBeUndefined();
  });
});
