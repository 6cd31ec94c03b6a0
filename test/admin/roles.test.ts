import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { ADMIN, appWithOperators, browser, EDITOR } from './session.js';

let t: TestApp;
beforeEach(async () => {
  t = await appWithOperators();
});
afterEach(() => t.close());

const EVERYONE = ['/admin', '/admin/components', '/admin/probes', '/admin/incidents'];
const ADMINS_ONLY = ['/admin/operators', '/admin/audit', '/admin/api-keys'];
const navLinks = (html: string) => [...(/<nav aria-label="Admin">([\s\S]*?)<\/nav>/.exec(html)?.[1] ?? '').matchAll(/href="([^"]+)"/g)].map((m) => m[1]);

describe('admin roles on the dashboard, components, probes, audit and API key pages', () => {
  it('an editor uses the dashboard, components and probes, gets 403 on admin pages, and the nav hides them', async () => {
    const eddie = await browser(t, EDITOR);
    for (const url of EVERYONE) expect((await eddie.get(url)).statusCode, url).toBe(200);
    for (const url of ADMINS_ONLY) {
      const res = await eddie.get(url);
      expect(res.statusCode, url).toBe(403);
      expect(res.body, url).toContain('This page is for admins; you are signed in as an editor.');
    }
    const nav = navLinks((await eddie.get('/admin')).body);
    expect(nav).toEqual(expect.arrayContaining(['/admin', '/admin/incidents', '/admin/components', '/admin/probes']));
    for (const url of ADMINS_ONLY) expect(nav).not.toContain(url);
  });

  it('an admin uses every page, and the nav links them all', async () => {
    const ada = await browser(t, ADMIN);
    for (const url of [...EVERYONE, ...ADMINS_ONLY]) expect((await ada.get(url)).statusCode, url).toBe(200);
    const nav = navLinks((await ada.get('/admin')).body);
    expect(nav).toEqual(expect.arrayContaining([...EVERYONE, ...ADMINS_ONLY]));
  });

  it('signed out, every page leads to the sign-in form', async () => {
    for (const url of [...EVERYONE, ...ADMINS_ONLY]) {
      const res = await t.app.inject(url);
      expect(res.statusCode, url).toBe(303);
      // The dashboard is where signing in leads anyway; any other page is named, to return to.
      expect(res.headers.location, url).toBe(url === '/admin' ? '/admin/login' : `/admin/login?next=${encodeURIComponent(url)}`);
    }
  });

  it('an admin disables a leaver (whose session stops at once) and enables them again; nobody disables themselves or the last admin', async () => {
    const ada = await browser(t, ADMIN);
    const eddie = await browser(t, EDITOR);
    const editor = t.app.store.operators.byEmail(EDITOR.email)!;
    const admin = t.app.store.operators.byEmail(ADMIN.email)!;
    expect((await eddie.get('/admin')).statusCode).toBe(200);
    // An editor cannot.
    expect((await eddie.post(`/admin/operators/${admin.id}/disable`, {})).statusCode).toBe(403);
    expect((await ada.post(`/admin/operators/${editor.id}/disable`, {})).statusCode).toBe(303);
    expect(t.app.store.operators.byId(editor.id)!.disabled).toBe(true);
    expect((await eddie.get('/admin')).statusCode).not.toBe(200); // the open session no longer works
    expect(t.app.store.audit.list(5).map((e) => e.action)).toContain('operator.disable');
    // Not yourself, not the last active admin.
    const self = await ada.post(`/admin/operators/${admin.id}/disable`, {});
    expect(self.statusCode).toBe(409);
    expect(self.body).toContain('You cannot disable yourself');
    expect(t.app.store.operators.byId(admin.id)!.disabled).toBe(false);
    expect((await ada.post(`/admin/operators/${editor.id}/enable`, {})).statusCode).toBe(303);
    expect(t.app.store.operators.byId(editor.id)!.disabled).toBe(false);
    expect((await browser(t, EDITOR).then((b) => b.get('/admin'))).statusCode).toBe(200);
  });
});
