import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { ADMIN, appWithOperators, browser, EDITOR, rows, type Browser } from './session.js';

let t: TestApp;
let ada: Browser;
beforeEach(async () => {
  t = await appWithOperators();
  ada = await browser(t, ADMIN);
});
afterEach(() => t.close());

const TABLES = ['api_keys', 'audit_log'];
const keyOf = (html: string) => /<input id="new-key" type="text" readonly value="(op_[A-Za-z0-9_-]+)"/.exec(html)?.[1];
const incidentsWith = (key: string | undefined) =>
  t.app.inject({ url: '/api/v1/pages/acme/incidents', headers: key === undefined ? {} : { authorization: `OAuth ${key}` } });

describe('admin API keys', () => {
  it('creates a key, shows it once, stores only its hash, audits it, and the key works on the API', async () => {
    const res = await ada.post('/admin/api-keys', { name: 'deploy bot', role: 'editor' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const key = keyOf(res.body)!;
    expect(key).toMatch(/^op_/);
    expect(res.body).toContain('Copy it now: it is shown this once and cannot be shown again.');

    const [stored] = t.db.prepare('SELECT * FROM api_keys').all() as { id: string; name: string; key_hash: string; role: string }[];
    expect(stored).toMatchObject({ name: 'deploy bot', role: 'editor', key_hash: createHash('sha256').update(key).digest('hex') });
    expect(JSON.stringify(t.db.prepare('SELECT * FROM api_keys').all())).not.toContain(key);

    const entry = t.app.store.audit.list(1)[0]!;
    expect(entry).toMatchObject({ action: 'api_key.create', actor: { kind: 'operator', name: ADMIN.email }, entityType: 'api_key', entityId: stored!.id, before: null, after: { name: 'deploy bot', role: 'editor', hint: key.slice(0, 7), revoked: false } });
    expect(JSON.stringify(entry)).not.toContain(key);
    expect(JSON.stringify(entry)).not.toContain(stored!.key_hash);

    expect((await incidentsWith(key)).statusCode).toBe(200);

    // Never again: the list shows the hint only.
    const list = await ada.get('/admin/api-keys');
    expect(list.body).not.toContain(key);
    expect(list.body).toContain(`<td data-label="Key"><code>${key.slice(0, 7)}…</code></td>`);
    expect(list.body).toMatch(/<th scope="row">deploy bot<\/th>[\s\S]*?<td data-label="Role">editor<\/td>\s*<td data-label="Created"><time datetime="2026-11-22T12:00:00.000Z">2026-11-22 12:00 UTC<\/time><\/td>\s*<td data-label="Last used">2026-11-22 12:00 UTC<\/td>/);
  });

  it('revokes a key: 401 on the API afterwards, the list says so, audited', async () => {
    const key = keyOf((await ada.post('/admin/api-keys', { name: 'chat bot', role: 'admin' })).body)!;
    const id = (t.db.prepare('SELECT id FROM api_keys').get() as { id: string }).id;
    expect((await ada.get('/admin/api-keys')).body).toContain(`action="/admin/api-keys/${id}/revoke"`);

    const res = await ada.post(`/admin/api-keys/${id}/revoke`, {});
    expect(res.statusCode, res.body).toBe(303);
    expect(res.headers.location).toBe(`/admin/api-keys?revoked=${id}`);
    expect((await incidentsWith(key)).statusCode).toBe(401);
    expect(t.app.store.audit.list(1)[0]).toMatchObject({ action: 'api_key.revoke', entityId: id, before: { revoked: false }, after: { revoked: true } });

    const page = await ada.get(res.headers.location as string);
    expect(page.body).toContain('Revoked <strong>chat bot</strong>');
    expect(page.body).toMatch(/<td data-label="State">\s*revoked <time/);
    expect(page.body).not.toContain(`action="/admin/api-keys/${id}/revoke"`);

    // A second revoke changes nothing and says why.
    const before = rows(t, TABLES);
    const again = await ada.post(`/admin/api-keys/${id}/revoke`, {});
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain('The API key &quot;chat bot&quot; is already revoked.');
    expect(rows(t, TABLES)).toEqual(before);
    expect((await ada.post('/admin/api-keys/nope/revoke', {})).statusCode).toBe(404);
    expect(rows(t, TABLES)).toEqual(before);
  });

  it.each([
    ['an empty name', { name: '  ', role: 'editor' }, 'key-name', 'Name the key after what uses it, like &quot;deploy bot&quot;.'],
    ['an over-long name', { name: 'n'.repeat(101), role: 'editor' }, 'key-name', 'A name has at most 100 characters.'],
    ['an unknown role', { name: 'ci <runner>', role: 'root' }, 'key-role', 'Choose editor or admin.'],
  ])('%s gives 422 with the typed name and the error beside its field, creating nothing', async (_label, fields, id, message) => {
    const before = rows(t, TABLES);
    const res = await ada.post('/admin/api-keys', fields);
    expect(res.statusCode).toBe(422);
    expect(rows(t, TABLES)).toEqual(before);
    expect(res.body).toMatch(new RegExp(`<p class="error" id="${id}-error">${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</p>\\s*<(input|select) id="${id}"`));
    expect(res.body).toContain(`value="${fields.name.replace(/</g, '&lt;').replace(/>/g, '&gt;')}"`);
    expect(res.body).not.toContain('<runner>');
    expect(keyOf(res.body)).toBeUndefined();
  });

  it.each([
    ['missing', null],
    ['wrong', 'nope'],
  ])('a %s CSRF token gives 403 on create and revoke, writing nothing', async (_label, token) => {
    await ada.post('/admin/api-keys', { name: 'existing', role: 'editor' });
    const id = (t.db.prepare('SELECT id FROM api_keys').get() as { id: string }).id;
    const before = rows(t, TABLES);
    for (const [url, fields] of [['/admin/api-keys', { name: 'x', role: 'editor' }], [`/admin/api-keys/${id}/revoke`, {}]] as const) {
      const res = await ada.post(url, token === null ? fields : { ...fields, _csrf: token }, null);
      expect(res.statusCode, url).toBe(403);
      expect(keyOf(res.body)).toBeUndefined();
    }
    expect(rows(t, TABLES)).toEqual(before);
  });

  it('is for admins: an editor gets 403 on every route and creates or revokes nothing', async () => {
    await ada.post('/admin/api-keys', { name: 'existing', role: 'editor' });
    const id = (t.db.prepare('SELECT id FROM api_keys').get() as { id: string }).id;
    const eddie = await browser(t, EDITOR);
    const before = rows(t, TABLES);
    const list = await eddie.get('/admin/api-keys');
    expect(list.statusCode).toBe(403);
    expect(list.body).not.toContain('existing');
    expect((await eddie.post('/admin/api-keys', { name: 'mine', role: 'admin' })).statusCode).toBe(403);
    expect((await eddie.post(`/admin/api-keys/${id}/revoke`, {})).statusCode).toBe(403);
    expect(rows(t, TABLES)).toEqual(before);
  });

  it('signed out: GET redirects to the sign-in form, POST gets 401', async () => {
    const page = await t.app.inject('/admin/api-keys');
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe('/admin/login?next=%2Fadmin%2Fapi-keys');
    const res = await t.app.inject({ method: 'POST', url: '/admin/api-keys', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'name=x&role=admin' });
    expect(res.statusCode).toBe(401);
    expect(t.db.prepare('SELECT count(*) AS n FROM api_keys').get()).toEqual({ n: 0 });
  });

  it('escapes a hostile key name in the list', async () => {
    await ada.post('/admin/api-keys', { name: '<script>alert(1)</script>', role: 'editor' });
    const body = (await ada.get('/admin/api-keys')).body;
    expect(body).not.toContain('<script>alert(1)');
    expect(body).toContain('<th scope="row">&lt;script&gt;alert(1)&lt;/script&gt;</th>');
  });
});
