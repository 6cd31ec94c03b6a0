import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOUR } from '../../src/util/time.js';
import { ADMIN, EDITOR, appWithOperators, browser, type Browser, pageId } from './session.js';
import type { TestApp } from '../helpers/app.js';

let t: TestApp;
let ada: Browser;
beforeEach(async () => {
  t = await appWithOperators();
  ada = await browser(t, ADMIN);
});
afterEach(() => t.close());

const TOKEN = 'AAAAAAAAAAAAAAAAAAAAAA';
const incidentForm = (extra: Record<string, string> = {}) => ({ action: 'create', name: 'API errors', status: 'investigating', impact: '', message: 'Looking.', _once: TOKEN, ...extra });
const incidents = () => t.app.store.incidents.listAll().filter((i) => i.kind === 'incident');

describe('admin forms sent twice are carried out once', () => {
  it('every create and update form carries a fresh one-time token', async () => {
    const page = (await ada.get('/admin/incidents/new')).body;
    const token = /name="_once" value="([\w-]{22})"/.exec(page)?.[1];
    expect(token).toBeDefined();
    expect(/name="_once" value="([\w-]{22})"/.exec((await ada.get('/admin/incidents/new')).body)?.[1]).not.toBe(token);
  });

  it('a second click on "Create incident" leads to the incident the first one made', async () => {
    const first = await ada.post('/admin/incidents', incidentForm());
    expect(first.statusCode).toBe(303);
    const second = await ada.post('/admin/incidents', incidentForm());
    expect(second.statusCode).toBe(303);
    expect(second.headers.location).toBe(first.headers.location);
    expect(incidents()).toHaveLength(1);
  });

  it('two submissions at the same moment: one incident, both sent to it', async () => {
    const [a, b] = await Promise.all([ada.post('/admin/incidents', incidentForm()), ada.post('/admin/incidents', incidentForm())]);
    expect([a.statusCode, b.statusCode]).toEqual([303, 303]);
    expect(a.headers.location).toBe(b.headers.location);
    expect(incidents()).toHaveLength(1);
  });

  it('a refused submission does not use the token up: corrected, the same form goes through', async () => {
    const refused = await ada.post('/admin/incidents', incidentForm({ name: '' }));
    expect(refused.statusCode).toBe(422);
    expect(incidents()).toHaveLength(0);
    const corrected = await ada.post('/admin/incidents', incidentForm());
    expect(corrected.statusCode).toBe(303);
    expect(incidents()).toHaveLength(1);
  });

  it('a double click on "Post update" posts one update', async () => {
    const created = await ada.post('/admin/incidents', incidentForm());
    const url = `/admin/incidents/${encodeURIComponent(pageId(created.headers.location))}/updates`;
    const update = { status: 'identified', message: 'Found it.', deliver_notifications: '1', _once: 'BBBBBBBBBBBBBBBBBBBBBB' };
    const [a, b] = await Promise.all([ada.post(url, update), ada.post(url, update)]);
    expect([a.statusCode, b.statusCode]).toEqual([303, 303]);
    expect(incidents()[0]!.updates.map((u) => u.status)).toEqual(['identified', 'investigating']);
  });

  it('a token is one operator\'s, and is forgotten after a day', async () => {
    await ada.post('/admin/incidents', incidentForm());
    const eddie = await browser(t, EDITOR);
    expect((await eddie.post('/admin/incidents', incidentForm())).statusCode).toBe(303);
    expect(incidents()).toHaveLength(2);
    t.clock.advance(25 * HOUR);
    ada = await browser(t, ADMIN);
    expect((await ada.post('/admin/incidents', incidentForm())).statusCode).toBe(303);
    expect(incidents()).toHaveLength(3);
  });

  it('without the CSRF token a form is refused before its one-time token is looked at', async () => {
    expect((await ada.post('/admin/incidents', incidentForm(), null)).statusCode).toBe(403);
    expect(t.db.prepare('SELECT count(*) AS n FROM form_submissions').get()).toEqual({ n: 0 });
  });
});
