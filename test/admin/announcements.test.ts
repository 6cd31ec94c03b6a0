import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IncidentService, SYSTEM } from '../../src/operations/incidents.js';
import { FORM, form } from '../auth/helpers.js';
import { ACME_YAML, type TestApp } from '../helpers/app.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { ADMIN, appWithOperators, browser, EDITOR, type Browser } from './session.js';

const SECRET = 'admin-test-secret-0123456789';
const TOKEN = 'tok-in-the-path-987';
let t: TestApp;
let receiver: Receiver;
let eddie: Browser;

beforeEach(async () => {
  receiver = await startReceiver([{ status: 404 }, { status: 204 }]);
  t = await appWithOperators({
    yaml: `${ACME_YAML}
announce:
  - { id: ops, type: webhook, url: "${receiver.url}/hooks/${TOKEN}", secret: ${SECRET}, headers: { Authorization: "Bearer hdr-secret-555" }, min_impact: minor }
  - { id: quiet, type: webhook, url: "https://hooks.quiet.example/x", secret: ${SECRET}, events: [component.status], components: [api] }
`,
  });
  eddie = await browser(t, EDITOR);
});
afterEach(async () => {
  await t.close();
  await receiver.close();
});

const get = (url: string, who = eddie) => who.get(url);
const post = (url: string, fields: Record<string, string> = {}, token: string | null = eddie.csrf) => eddie.post(url, fields, token);
const outboxRows = () => t.db.prepare('SELECT seq, channel_id, state, attempts, is_test FROM outbox ORDER BY seq').all();

describe('admin announcements', () => {
  it('lists the channels with their filters and counts, never a secret; editors see it in the navigation', async () => {
    new IncidentService(t.app.store, t.clock.now).create({ name: 'API slow', status: 'investigating', body: 'Looking.', components: { api: 'degraded_performance' } }, SYSTEM);
    const page = await get('/admin/announcements');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('href="/admin/announcements" aria-current="page"');
    expect(page.body).toContain('href="/admin/announcements/ops"');
    expect(page.body).toContain('<code>127.0.0.1:' + receiver.port + '</code>');
    expect(page.body).toContain('<code>hooks.quiet.example</code>');
    expect(page.body).toContain('components api');
    expect(page.body).toContain('impact minor and up');
    for (const secret of [SECRET, TOKEN, '/hooks/', 'hdr-secret-555', '/x"']) expect(page.body).not.toContain(secret);
    const row = /<tr id="channel-ops">[\s\S]*?<\/tr>/.exec(page.body)![0];
    expect(row.replace(/\s+/g, ' ')).toMatch(/data-label="Queued">1<\/td> <td data-label="Sent">0<\/td> <td data-label="Failed">0</);
  });

  it('shows the delivery log: a failure with its response code and error, then a retry that succeeds', async () => {
    new IncidentService(t.app.store, t.clock.now).create({ name: 'API slow', status: 'investigating', body: 'Looking.', components: { api: 'degraded_performance' } }, SYSTEM);
    await t.app.outbox.runOnce(); // the receiver answers 404: permanent, failed at once
    const [row] = t.app.store.outbox.list('ops');
    expect(row).toMatchObject({ state: 'failed', lastStatus: 404 });

    const log = await get('/admin/announcements/ops');
    expect(log.statusCode).toBe(200);
    const tr = /<tr id="delivery-\d+">[\s\S]*?<\/tr>/.exec(log.body)![0];
    expect(tr).toContain('<code>incident.created</code>');
    expect(tr).toContain('API slow: investigating');
    expect(tr).toContain('>failed</span>');
    expect(tr).toContain('data-label="Response">404<');
    expect(tr).toContain('HTTP 404');
    expect(tr).toContain(`action="/admin/announcements/ops/deliveries/${row!.seq}/retry"`);
    for (const secret of [SECRET, TOKEN, 'hdr-secret-555']) expect(log.body).not.toContain(secret);

    // Without the CSRF token: refused, nothing changes.
    const before = outboxRows();
    expect((await post(`/admin/announcements/ops/deliveries/${row!.seq}/retry`, {}, null)).statusCode).toBe(403);
    expect(outboxRows()).toEqual(before);

    const retried = await post(`/admin/announcements/ops/deliveries/${row!.seq}/retry`);
    expect(retried.statusCode).toBe(303);
    expect(retried.headers.location).toBe(`/admin/announcements/ops?retried=${row!.seq}`);
    expect(t.app.store.outbox.get(row!.seq)).toMatchObject({ state: 'queued', failedAt: null });
    expect((await get(String(retried.headers.location))).body).toContain(`Delivery #${row!.seq} is queued again.`);
    // A second retry of a row that is no longer failed is refused.
    expect((await post(`/admin/announcements/ops/deliveries/${row!.seq}/retry`)).statusCode).toBe(409);
    t.clock.advance(60_000);
    await t.app.outbox.runOnce();
    expect(t.app.store.outbox.get(row!.seq)).toMatchObject({ state: 'sent', attempts: 1, lastStatus: 204 }); // counted afresh from the retry
    expect(receiver.received).toHaveLength(2);
    const audit = t.db.prepare("SELECT action, entity_id, actor_name FROM audit_log WHERE action LIKE 'announcement.%'").all();
    expect(audit).toEqual([{ action: 'announcement.retry', entity_id: 'ops', actor_name: EDITOR.email }]);
  });

  it('sends a test message to that channel only; a double click queues one', async () => {
    receiver.answers.splice(0, receiver.answers.length, { status: 204 });
    const first = await post('/admin/announcements/quiet/test');
    expect(first.statusCode).toBe(303);
    expect(first.headers.location).toBe('/admin/announcements/quiet?test=queued');
    const second = await post('/admin/announcements/quiet/test');
    expect(second.headers.location).toBe('/admin/announcements/quiet?test=duplicate');
    expect(outboxRows()).toEqual([{ seq: 1, channel_id: 'quiet', state: 'queued', attempts: 0, is_test: 1 }]);
    expect((await get('/admin/announcements/quiet?test=duplicate')).body).toContain('already queued');

    const ok = await post('/admin/announcements/ops/test');
    expect(ok.headers.location).toBe('/admin/announcements/ops?test=queued');
    await t.app.outbox.runOnce();
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.headers['x-outpost-event']).toBe('test');
    const log = await get('/admin/announcements/ops');
    expect(log.body).toContain('<code>test</code>');
    expect(log.body).toContain('Test message');
    expect(log.body).toContain('>sent</span>');
  });

  it('refuses unknown channels and deliveries of another channel, and a test without its CSRF token', async () => {
    expect((await get('/admin/announcements/nope')).statusCode).toBe(404);
    expect((await post('/admin/announcements/nope/test')).statusCode).toBe(404);
    await post('/admin/announcements/quiet/test');
    expect((await post('/admin/announcements/ops/deliveries/1/retry')).statusCode).toBe(404);
    expect((await post('/admin/announcements/ops/deliveries/abc/retry')).statusCode).toBe(404);
    expect((await post('/admin/announcements/ops/test', {}, null)).statusCode).toBe(403);
    expect(t.app.store.outbox.list('ops')).toEqual([]);
  });

  it('signed out, the pages lead to the sign-in form and nothing can be posted', async () => {
    const res = await t.app.inject({ url: '/admin/announcements' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/login?next=%2Fadmin%2Fannouncements');
    const test = await t.app.inject({ method: 'POST', url: '/admin/announcements/ops/test', headers: FORM, payload: form({}) });
    expect(test.statusCode).toBe(401);
    expect(outboxRows()).toEqual([]);
  });

  it('admins see the same pages', async () => {
    const admin = await browser(t, ADMIN);
    expect((await get('/admin/announcements/ops', admin)).statusCode).toBe(200);
  });
});
