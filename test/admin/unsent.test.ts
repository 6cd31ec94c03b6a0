import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MINUTE } from '../../src/util/time.js';
import { alertOf, csrfOf, FORM, Jar, signIn } from '../auth/helpers.js';
import type { TestApp } from '../helpers/app.js';
import { ADMIN, appWithOperators, browser, EDITOR, encode, pageId, rows, type Browser, type Fields } from './session.js';

let t: TestApp;
let ada: Browser;
beforeEach(async () => {
  t = await appWithOperators();
  ada = await browser(t, ADMIN);
});
afterEach(() => t.close());

/** What an operator types into the new-incident form, with a Markdown message over several lines. */
const INCIDENT: Fields = {
  // The form's one-time token, as the page renders it: sent twice, the form is carried out once.
  _once: 'ABCDEFGHIJKLMNOPQRSTUV',
  action: 'create',
  impact: '',
  name: 'Checkout <errors>',
  status: 'investigating',
  message: 'Payments fail for **some** cards.\r\nWe are on it & will update.',
  'component.api': 'partial_outage',
};

const tables = ['incidents', 'incident_updates', 'components', 'unsent_forms', 'outbox'];
const unsentCount = () => (t.db.prepare('SELECT COUNT(*) AS n FROM unsent_forms').get() as { n: number }).n;

/** The form fields of the first "Send it now" form on the unsent page: exactly what a browser would post. */
function sendForm(html: string): { action: string; fields: [string, string][] } {
  const form = /<form method="post" action="([^"]+)" class="inline">([\s\S]*?)<\/form>/.exec(html);
  if (!form) throw new Error('no form to send on the page');
  const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const fields = [...form[2]!.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)].map((m) => [unescape(m[1]!), unescape(m[2]!)] as [string, string]);
  return { action: unescape(form[1]!), fields };
}

/** Posts fields in their order, repeated names included, as a browser does. */
function postFields(jar: Jar, url: string, fields: [string, string][]) {
  const body = new URLSearchParams();
  for (const [name, value] of fields) body.append(name, value);
  return t.app.inject({ method: 'POST', url, headers: { ...FORM, cookie: jar.header() }, payload: body.toString() });
}

describe('admin: a form posted after the session ended', () => {
  it('is kept, not lost: signing in again leads to it, and sending it carries it out once', async () => {
    t.clock.advance(31 * MINUTE); // the session is over while the operator writes
    const before = rows(t, tables.filter((n) => n !== 'unsent_forms'));
    const refused = await ada.post('/admin/incidents', INCIDENT);
    expect(refused.statusCode).toBe(401);
    // The sign-in page, for the same operator, saying what happened.
    expect(refused.body).toContain('action="/admin/login"');
    expect(alertOf(refused.body)).toMatch(/session ended before this form was sent, so nothing was changed\. What you wrote is kept/);
    expect(refused.body).toContain(`value="${ADMIN.email}"`);
    // One row written, the kept form; nothing else.
    expect(rows(t, tables.filter((n) => n !== 'unsent_forms'))).toEqual({ ...before, changes: before.changes + 1 });
    expect(unsentCount()).toBe(1);

    // Signing in again on that page: the unsent form comes first.
    ada.jar.take(refused);
    const signedIn = await t.app.inject({
      method: 'POST',
      url: '/admin/login',
      headers: { ...FORM, cookie: ada.jar.header() },
      payload: encode({ _csrf: csrfOf(refused.body), email: ADMIN.email, password: ADMIN.password }),
    });
    expect(signedIn.statusCode).toBe(303);
    expect(signedIn.headers.location).toBe('/admin/unsent');
    ada.jar.take(signedIn);

    const page = await t.app.inject({ url: '/admin/unsent', headers: { cookie: ada.jar.header() } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<h2 id="unsent-');
    expect(page.body).toContain('New incident</h2>');
    // What was typed, shown escaped, with its lines.
    expect(page.body).toContain('Checkout &lt;errors&gt;');
    expect(page.body).toContain('<dd>Payments fail for **some** cards.\r\nWe are on it &amp; will update.</dd>');
    expect(page.body).not.toContain('<errors>');
    // Codes in words, as the form showed them; the form's own fields not at all.
    expect(page.body).toMatch(/<dt>API<\/dt>\s*<dd>Partial outage<\/dd>/);
    expect(page.body).toMatch(/<dt>Status<\/dt>\s*<dd>Investigating<\/dd>/);
    expect(page.body).not.toMatch(/<dt>(action|_once)<\/dt>/);

    const send = sendForm(page.body);
    expect(send.action).toBe('/admin/incidents');
    // The new session's token, not the one that ended.
    expect(send.fields.find(([name]) => name === '_csrf')?.[1]).toBe(csrfOf(page.body));
    expect(send.fields.find(([name]) => name === '_csrf')?.[1]).not.toBe(ada.csrf);
    const sent = await postFields(ada.jar, send.action, send.fields);
    expect(sent.statusCode, sent.body).toBe(303);
    const [incident] = t.app.store.incidents.listPublished();
    expect(incident!.name).toBe('Checkout <errors>');
    expect(incident!.updates[0]!.body).toBe('Payments fail for **some** cards.\r\nWe are on it & will update.');
    expect(t.app.store.components.get('api')!.status).toBe('partial_outage');
    expect(unsentCount()).toBe(0);

    // Sent again (a reload of the unsent page's form, a double click): carried out once.
    const again = await postFields(ada.jar, send.action, send.fields);
    expect(again.statusCode).toBe(303);
    expect(t.app.store.incidents.listPublished()).toHaveLength(1);
    expect((await t.app.inject({ url: '/admin/unsent', headers: { cookie: ada.jar.header() } })).body).toContain('Nothing is waiting');
  });

  it('keeps an update with its repeated fields, and says which incident it was for', async () => {
    const created = await ada.post('/admin/incidents', { ...INCIDENT, name: 'Slow API' });
    const id = pageId(created.headers.location);
    t.clock.advance(45 * MINUTE);
    const update = { status: 'resolved', message: 'Fixed.', keep: ['api', 'website'], form: 'resolve' };
    expect((await ada.post(`/admin/incidents/${encodeURIComponent(id)}/updates`, update)).statusCode).toBe(401);
    const [kept] = t.app.store.unsentForms.list(t.app.store.operators.byEmail(ADMIN.email)!.id, t.clock.ms);
    expect(kept!.fields.filter(([name]) => name === 'keep')).toEqual([
      ['keep', 'api'],
      ['keep', 'website'],
    ]);
    const jar = new Jar();
    await signIn(t.app, jar, ADMIN.email, ADMIN.password);
    const page = await t.app.inject({ url: '/admin/unsent', headers: { cookie: jar.header() } });
    expect(page.body).toContain('Update to “Slow API”</h2>');
    expect(sendForm(page.body).fields.filter(([name]) => name === 'keep')).toEqual([
      ['keep', 'api'],
      ['keep', 'website'],
    ]);
  });

  it('is shown only to the operator who wrote it', async () => {
    t.clock.advance(31 * MINUTE);
    expect((await ada.post('/admin/incidents', INCIDENT)).statusCode).toBe(401);
    const id = t.app.store.unsentForms.list(t.app.store.operators.byEmail(ADMIN.email)!.id, t.clock.ms)[0]!.id;
    // Another operator signing in on the same browser goes to the dashboard and sees nothing of it.
    const jar = new Jar();
    const res = await signIn(t.app, jar, EDITOR.email, EDITOR.password);
    expect(res.headers.location).toBe('/admin');
    const page = await t.app.inject({ url: '/admin/unsent', headers: { cookie: jar.header() } });
    expect(page.body).toContain('Nothing is waiting');
    expect(page.body).not.toContain('Checkout');
    // Nor can they discard it.
    const csrf = csrfOf(page.body);
    await t.app.inject({ method: 'POST', url: `/admin/unsent/${id}/discard`, headers: { ...FORM, cookie: jar.header() }, payload: encode({ _csrf: csrf }) });
    expect(unsentCount()).toBe(1);
  });

  it('can be discarded', async () => {
    t.clock.advance(31 * MINUTE);
    await ada.post('/admin/incidents', INCIDENT);
    const jar = new Jar();
    await signIn(t.app, jar, ADMIN.email, ADMIN.password);
    const page = await t.app.inject({ url: '/admin/unsent', headers: { cookie: jar.header() } });
    // The dashboard points at it too, for an operator who went elsewhere first.
    const dashboard = await t.app.inject({ url: '/admin', headers: { cookie: jar.header() } });
    expect(dashboard.body).toMatch(/<p class="notice" role="status" id="unsent-notice">A form you sent after your session ended is kept, not sent: <a href="\/admin\/unsent">check and send it<\/a>\.<\/p>/);
    const discard = /action="(\/admin\/unsent\/[^"]+\/discard)"/.exec(page.body)![1]!;
    const res = await t.app.inject({ method: 'POST', url: discard, headers: { ...FORM, cookie: jar.header() }, payload: encode({ _csrf: csrfOf(page.body) }) });
    expect([res.statusCode, res.headers.location]).toEqual([303, '/admin']);
    expect(unsentCount()).toBe(0);
    expect((await t.app.inject({ url: '/admin', headers: { cookie: jar.header() } })).body).not.toContain('unsent-notice');
    expect(t.app.store.incidents.listPublished()).toHaveLength(0);
  });

  it('is kept for an hour, then signing in leads to the dashboard as usual', async () => {
    t.clock.advance(31 * MINUTE);
    await ada.post('/admin/incidents', INCIDENT);
    t.clock.advance(61 * MINUTE);
    const jar = new Jar();
    expect((await signIn(t.app, jar, ADMIN.email, ADMIN.password)).headers.location).toBe('/admin');
    // Past its hour it is not only hidden: the sign-in's housekeeping removed it.
    expect(unsentCount()).toBe(0);
    expect((await t.app.inject({ url: '/admin/unsent', headers: { cookie: jar.header() } })).body).toContain('Nothing is waiting');
  });

  it.each([
    ['without the CSRF token of the session that ended', { token: 'forged' }],
    ['without any session cookie (another site posting to the admin)', { cookie: false }],
    ['after signing out', { signedOut: true }],
  ])('is not kept when sent %s', async (_case, how: { token?: string; cookie?: boolean; signedOut?: boolean }) => {
    if (how.signedOut) {
      const out = await ada.post('/admin/logout', {});
      expect(out.headers.location).toBe('/admin/login');
    } else {
      t.clock.advance(31 * MINUTE);
    }
    const payload = encode({ _csrf: how.token ?? ada.csrf, ...INCIDENT });
    const before = rows(t, tables);
    const res = await t.app.inject({ method: 'POST', url: '/admin/incidents', headers: { ...FORM, ...(how.cookie === false ? {} : { cookie: ada.jar.header() }) }, payload });
    expect(res.statusCode).toBe(401);
    expect(res.body).not.toContain('What you wrote is kept');
    expect(rows(t, tables)).toEqual(before);
  });

  it('is kept when another operator signed in meanwhile, and once however often it is sent', async () => {
    t.clock.advance(31 * MINUTE);
    // Eddie's sign-in tidies the sessions table; Ada's ended one is still remembered.
    await browser(t, EDITOR);
    expect((await ada.post('/admin/incidents', INCIDENT)).statusCode).toBe(401);
    expect((await ada.post('/admin/incidents', INCIDENT)).statusCode).toBe(401); // a double click
    expect(unsentCount()).toBe(1);
  });

  it('is kept when the operator signed in again in another tab before sending it', async () => {
    const staleToken = ada.csrf;
    t.clock.advance(31 * MINUTE);
    const again = await signIn(t.app, ada.jar, ADMIN.email, ADMIN.password); // the same browser's other tab
    expect(again.statusCode).toBe(303);
    const res = await ada.post('/admin/incidents', INCIDENT, staleToken);
    expect(res.statusCode).toBe(409);
    expect(res.body).toContain('came from a page opened before you signed in again, so nothing was changed');
    expect(res.body).toContain('href="/admin/unsent"');
    expect(t.app.store.incidents.listPublished()).toHaveLength(0);
    const page = await t.app.inject({ url: '/admin/unsent', headers: { cookie: ada.jar.header() } });
    expect(page.body).toContain('Checkout &lt;errors&gt;');
  });

  it('is not kept an hour after the session ended, nor for the operators\' and API keys\' forms', async () => {
    t.clock.advance(31 * MINUTE);
    const grace = { name: 'Grace', email: 'grace@acme.example', role: 'admin', password: 'a long enough password' };
    for (const [url, fields] of [['/admin/operators', grace], ['/admin/api-keys', { name: 'bot', role: 'admin' }]] as const) {
      const res = await ada.post(url, fields);
      expect(res.statusCode, url).toBe(401);
      expect(res.body).not.toContain('What you wrote is kept');
    }
    t.clock.advance(61 * MINUTE);
    expect((await ada.post('/admin/incidents', INCIDENT)).statusCode).toBe(401);
    expect(unsentCount()).toBe(0);
    expect(JSON.stringify(t.db.prepare('SELECT * FROM unsent_forms').all())).not.toContain('long enough');
  });

  it('is not kept for a disabled operator, nor for signing out', async () => {
    t.clock.advance(31 * MINUTE);
    expect((await ada.post('/admin/logout', {})).statusCode).toBe(401);
    expect(unsentCount()).toBe(0);
    const ada2 = t.app.store.operators.byEmail(ADMIN.email)!;
    t.db.prepare('UPDATE operators SET disabled = 1 WHERE id = ?').run(ada2.id);
    expect((await ada.post('/admin/incidents', INCIDENT)).statusCode).toBe(401);
    expect(unsentCount()).toBe(0);
  });
});
