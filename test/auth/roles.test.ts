import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN, addOperator, alertOf, EDITOR, FORM, form, Jar, makeAdminApp, signedIn, signIn, snapshot, type AdminTestApp } from './helpers.js';

let t: AdminTestApp;
beforeEach(async () => {
  t = await makeAdminApp();
  await addOperator(t.stores, ADMIN, 'admin', t.clock.ms);
  await addOperator(t.stores, EDITOR, 'editor', t.clock.ms);
});
afterEach(() => t.close());

const NEW = { name: 'Grace', email: 'grace@acme.example', role: 'editor', password: 'a long enough password' };
const postOperator = (cookie: string, fields: Record<string, string>) =>
  t.app.inject({ method: 'POST', url: '/admin/operators', headers: { ...FORM, cookie }, payload: form(fields) });

describe('roles', () => {
  it('an editor gets 403 on GET /admin/operators', async () => {
    const { jar } = await signedIn(t.app, EDITOR);
    const res = await t.app.inject({ url: '/admin/operators', headers: { cookie: jar.header() } });
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('This page is for admins; you are signed in as an editor.');
    expect(res.body).not.toContain('eddie@acme.example'); // no operator list
  });

  it('an editor gets 403 on POST /admin/operators, with a valid CSRF token, and nobody is added', async () => {
    const { jar, csrf } = await signedIn(t.app, EDITOR);
    const before = snapshot(t.db);
    const res = await postOperator(jar.header(), { ...NEW, role: 'admin', _csrf: csrf });
    expect(res.statusCode).toBe(403);
    expect(snapshot(t.db).operators).toEqual(before.operators);
    expect(snapshot(t.db).audit).toEqual(before.audit);
  });

  it('an editor sees the dashboard without the Operators link', async () => {
    const { jar } = await signedIn(t.app, EDITOR);
    const res = await t.app.inject({ url: '/admin', headers: { cookie: jar.header() } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Role: <strong>editor</strong>');
    expect(res.body).not.toContain('href="/admin/operators"');
  });

  it('an admin lists operators and adds one, who can then sign in; the addition is audited', async () => {
    const { jar, csrf } = await signedIn(t.app, ADMIN);
    const list = await t.app.inject({ url: '/admin/operators', headers: { cookie: jar.header() } });
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('<td data-label="Email">eddie@acme.example</td><td data-label="Role">editor</td>');
    expect(list.body).toContain('autocomplete="new-password"');

    const res = await postOperator(jar.header(), { ...NEW, email: ' Grace@ACME.example ', _csrf: csrf });
    expect(res.statusCode).toBe(303);
    const added = t.stores.operators.byEmail('grace@acme.example')!;
    expect(added).toMatchObject({ name: 'Grace', email: 'grace@acme.example', role: 'editor', disabled: false });
    expect(res.headers.location).toBe(`/admin/operators?added=${added.id}`);
    const after = await t.app.inject({ url: res.headers.location as string, headers: { cookie: jar.header() } });
    expect(after.body).toContain('Added <strong>Grace</strong> (grace@acme.example) as an editor.');

    expect(t.stores.audit.list(1)[0]).toMatchObject({
      action: 'operator.create',
      actor: { kind: 'operator', name: ADMIN.email },
      entityType: 'operator',
      entityId: added.id,
      before: null,
      after: { email: 'grace@acme.example', name: 'Grace', role: 'editor' },
    });
    expect((await signIn(t.app, new Jar(), 'grace@acme.example', NEW.password)).statusCode).toBe(303);
  });

  it.each([
    ['a malformed email', { email: 'not-an-email' }, 'op-email', 'Enter an email address, like name@example.com.'],
    ['an empty email', { email: '' }, 'op-email', 'Enter an email address.'],
    ['a blank name', { name: '   ' }, 'op-name', 'Enter a name.'],
    ['an unknown role', { role: 'owner' }, 'op-role', 'Choose admin or editor.'],
    ['an 11-character password', { password: 'short passw' }, 'op-password', 'Use at least 12 characters.'],
    ['a 1025-character password', { password: 'x'.repeat(1025) }, 'op-password', 'Use at most 1024 characters.'],
  ])('refuses %s with 400 and the error beside the field, keeping what was typed but the password', async (_label, change, field, message) => {
    const { jar, csrf } = await signedIn(t.app, ADMIN);
    const before = snapshot(t.db);
    const res = await postOperator(jar.header(), { ...NEW, ...change, _csrf: csrf });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain(`<p class="error" id="${field}-error">${message}</p>`);
    expect(res.body).toMatch(new RegExp(`id="${field}"[^>]*aria-invalid="true"`));
    if (field !== 'op-name') expect(res.body).toContain('value="Grace"');
    expect(res.body).not.toContain(NEW.password);
    expect(snapshot(t.db).operators).toEqual(before.operators);
  });

  it('refuses an email already in use, whatever its case, with 409 beside the email', async () => {
    const { jar, csrf } = await signedIn(t.app, ADMIN);
    const res = await postOperator(jar.header(), { ...NEW, email: 'EDDIE@acme.example', _csrf: csrf });
    expect(res.statusCode).toBe(409);
    expect(alertOf(res.body)).toBe('An operator with this email already exists.');
    expect(t.stores.operators.list()).toHaveLength(2);
  });
});
