import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alertOf } from '../auth/helpers.js';
import type { TestApp } from '../helpers/app.js';
import { ADMIN, appWithOperators, browser, EDITOR, rows, type Browser } from './session.js';

let t: TestApp;
let ada: Browser;
beforeEach(async () => {
  t = await appWithOperators();
  ada = await browser(t, ADMIN);
});
afterEach(() => t.close());

const TABLES = ['components', 'component_status_events', 'audit_log'];
const component = (id: string) => t.app.store.components.get(id)!;
const summaryStatus = async (id: string) =>
  ((await t.app.inject('/api/v2/summary.json')).json().components as { id: string; status: string }[]).find((c) => c.id === id)!.status;

describe('admin components: set a status by hand, hand it back', () => {
  it('lists components by group with their shown status, what the probes say and the override', async () => {
    t.app.store.components.setAutomated('api', 'degraded_performance', 'probe api: slow', t.clock.ms);
    const res = await ada.get('/admin/components');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<h2 id="group-group-public">Public</h2>');
    expect(res.body).toContain('<h2 id="group-group-internal">Internal</h2>');
    expect(res.body).toMatch(/id="component-api"[\s\S]*?Probes say: <strong>Degraded performance<\/strong> · automated/);
    expect(res.body).toMatch(/id="component-website"[\s\S]*?Probes say: <strong>no probes<\/strong>/);
    expect(res.body).toContain('action="/admin/components/database/status"');
    expect(res.body).not.toContain('action="/admin/components/database/hand-back"'); // nothing to hand back yet
    expect(res.body).toContain('aria-current="page">Components</a>');
    // Forms stay folded until asked for: one card per component fits a phone.
    expect(res.body).not.toMatch(/<details class="set-status" open>/);
  });

  it('unfolds the form a "Set status" link names, and the one with errors', async () => {
    const asked = (await ada.get('/admin/components?edit=database')).body;
    expect(asked.match(/<details class="set-status" open>/g)).toHaveLength(1);
    expect(asked).toMatch(/<details class="set-status" open>\s*<summary>Set status<span class="visually-hidden"> of Database<\/span><\/summary>/);
    const refused = (await ada.post('/admin/components/api/status', { status: 'major_outage', reason: '' })).body;
    expect(refused.match(/<details class="set-status" open>/g)).toHaveLength(1);
    expect(refused).toMatch(/<details class="set-status" open>\s*<summary>Set status<span class="visually-hidden"> of API<\/span><\/summary>/);
  });

  it('sets a status with a reason: override, event, audit entry, and the public JSON after the redirect', async () => {
    const res = await ada.post('/admin/components/database/status', { status: 'major_outage', reason: 'Primary is down, failing over' });
    expect(res.statusCode, res.body).toBe(303);
    expect(res.headers.location).toBe('/admin/components?changed=database#component-database');
    expect(component('database')).toMatchObject({
      status: 'major_outage',
      manual: { status: 'major_outage', reason: `operator ${ADMIN.email}: Primary is down, failing over`, setAt: t.clock.ms },
    });
    // The redirect lands on a page that already shows it: no wait for the periodic rebuild.
    expect(await summaryStatus('database')).toBe('major_outage');
    const event = t.db.prepare('SELECT * FROM component_status_events WHERE component_id = ? ORDER BY rowid DESC').get('database') as { to_status: string; cause: string };
    expect(event).toMatchObject({ to_status: 'major_outage', cause: `operator ${ADMIN.email}: Primary is down, failing over` });
    expect(t.app.store.audit.list(1)[0]).toMatchObject({
      action: 'component.set_status',
      actor: { kind: 'operator', name: ADMIN.email },
      entityType: 'component',
      entityId: 'database',
      before: { status: 'operational', manual: null },
      after: { status: 'major_outage', reason: 'Primary is down, failing over' },
    });

    const page = await ada.get(res.headers.location as string);
    expect(page.body).toContain('<strong>Database</strong> now shows Major outage, set by hand.');
    expect(page.body).toMatch(/id="component-database"[\s\S]*?set by hand to <strong>Major outage<\/strong>/);
    expect(page.body).toContain('action="/admin/components/database/hand-back"');
  });

  it('hands a component back: it takes what its probes say, on the public JSON too, audited', async () => {
    t.app.store.components.setAutomated('api', 'degraded_performance', 'probe api: slow', t.clock.ms);
    await ada.post('/admin/components/api/status', { status: 'operational', reason: 'False alarm from the probe' });
    expect(await summaryStatus('api')).toBe('operational');

    const res = await ada.post('/admin/components/api/hand-back', {});
    expect(res.statusCode, res.body).toBe(303);
    expect(res.headers.location).toBe('/admin/components?changed=api#component-api');
    expect(component('api')).toMatchObject({ status: 'degraded_performance', manual: null });
    expect(await summaryStatus('api')).toBe('degraded_performance');
    expect(t.app.store.audit.list(1)[0]).toMatchObject({
      action: 'component.hand_back',
      entityId: 'api',
      before: { status: 'operational', manual: { status: 'operational' } },
      after: { status: 'degraded_performance' },
    });
  });

  it("the dashboard's hand-back button returns to the dashboard", async () => {
    await ada.post('/admin/components/dns/status', { status: 'partial_outage', reason: 'Provider B flaky' });
    const dashboard = await ada.get('/admin');
    expect(dashboard.body).toMatch(/action="\/admin\/components\/dns\/hand-back"[\s\S]*?name="back" value="dashboard"/);
    const res = await ada.post('/admin/components/dns/hand-back', { back: 'dashboard' });
    expect(res.headers.location).toBe('/admin');
    expect(component('dns').manual).toBeNull();
    // Any other value is not a place to go.
    await ada.post('/admin/components/dns/status', { status: 'partial_outage', reason: 'again' });
    const elsewhere = await ada.post('/admin/components/dns/hand-back', { back: 'https://evil.example/' });
    expect(elsewhere.headers.location).toBe('/admin/components?changed=dns#component-dns');
  });

  it('an editor may set and hand back too', async () => {
    const eddie = await browser(t, EDITOR);
    expect((await eddie.get('/admin/components')).statusCode).toBe(200);
    expect((await eddie.post('/admin/components/website/status', { status: 'degraded_performance', reason: 'CDN slow' })).statusCode).toBe(303);
    expect(component('website').manual?.reason).toBe(`operator ${EDITOR.email}: CDN slow`);
    expect((await eddie.post('/admin/components/website/hand-back', {})).statusCode).toBe(303);
    expect(component('website').manual).toBeNull();
  });

  it('escapes a hostile reason on the components page and the dashboard', async () => {
    const hostile = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    await ada.post('/admin/components/api/status', { status: 'major_outage', reason: hostile });
    for (const url of ['/admin/components', '/admin']) {
      const body = (await ada.get(url)).body;
      expect(body, url).not.toContain('<script>alert(1)');
      expect(body, url).not.toContain('<img src=x');
      expect(body, url).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;');
    }
  });
});

describe('admin components: refused requests write nothing', () => {
  it.each([
    ['missing', null],
    ['empty', ''],
    ['wrong', 'not-the-token'],
  ])('a %s CSRF token gives 403 on both forms', async (_label, token) => {
    await ada.post('/admin/components/api/status', { status: 'major_outage', reason: 'held' });
    const before = rows(t, TABLES);
    for (const [url, fields] of [
      ['/admin/components/database/status', { status: 'major_outage', reason: 'x' }],
      ['/admin/components/api/hand-back', {}],
    ] as const) {
      const res = await ada.post(url, token === null ? fields : { ...fields, _csrf: token }, null);
      expect(res.statusCode, url).toBe(403);
    }
    expect(rows(t, TABLES)).toEqual(before);
    expect(component('api').manual).not.toBeNull();
  });

  it.each([
    ['a missing reason', { status: 'major_outage', reason: '   ' }, 'reason', 'Say why: the reason is kept with the status and in the audit log.'],
    ['an over-long reason', { status: 'major_outage', reason: 'x'.repeat(501) }, 'reason', 'A reason has at most 500 characters.'],
    ['an unknown status', { status: 'on_fire', reason: 'Typed <b>this</b>' }, 'status', 'Choose a status from the list.'],
  ])('%s gives 422 with the typed values and the error beside its field', async (_label, fields, field, message) => {
    const before = rows(t, TABLES);
    const res = await ada.post('/admin/components/database/status', fields);
    expect(res.statusCode).toBe(422);
    expect(rows(t, TABLES)).toEqual(before);
    // The error sits in the database's form, right before the field it is about.
    expect(res.body).toMatch(new RegExp(`<p class="error" id="c-database-${field}-error">${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</p>\\s*<(select|input) id="c-database-${field}"`));
    expect(res.body).toContain(`aria-describedby="c-database-${field}-error"`);
    const typed = fields.reason.replace(/</g, '&lt;').replace(/>/g, '&gt;');
    if (fields.reason.trim()) expect(res.body).toContain(`id="c-database-reason" name="reason" type="text" required maxlength="500" autocomplete="off" value="${typed}"`);
    expect(res.body).not.toContain('<b>this</b>');
    // Only that component's form shows it.
    expect(res.body).not.toContain('id="c-api-reason-error"');
  });

  it('a known status is kept selected on a 422', async () => {
    const res = await ada.post('/admin/components/database/status', { status: 'partial_outage', reason: '' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toMatch(/<select id="c-database-status" name="status">[\s\S]*?<option value="partial_outage" selected>/);
  });

  it('answers 404 for an unknown component or a group, and 409 when there is nothing to hand back', async () => {
    const before = rows(t, TABLES);
    expect((await ada.post('/admin/components/nope/status', { status: 'major_outage', reason: 'x' })).statusCode).toBe(404);
    expect((await ada.post('/admin/components/group-public/status', { status: 'major_outage', reason: 'x' })).statusCode).toBe(404);
    expect((await ada.post('/admin/components/nope/hand-back', {})).statusCode).toBe(404);
    const res = await ada.post('/admin/components/api/hand-back', {});
    expect(res.statusCode).toBe(409);
    expect(alertOf(res.body)).toBe('API already follows its probes: there is nothing to hand back.');
    expect(rows(t, TABLES)).toEqual(before);
  });

  it('signed out: GET redirects to the sign-in form, POST gets 401, nothing written', async () => {
    const before = rows(t, TABLES);
    const page = await t.app.inject('/admin/components');
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe('/admin/login?next=%2Fadmin%2Fcomponents');
    for (const url of ['/admin/components/api/status', '/admin/components/api/hand-back']) {
      const res = await t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'status=major_outage&reason=x' });
      expect(res.statusCode, url).toBe(401);
    }
    expect(rows(t, TABLES)).toEqual(before);
  });
});
