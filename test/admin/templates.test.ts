import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN, addOperator, csrfOf } from '../auth/helpers.js';
import { makeTestApp, type TestApp } from '../helpers/app.js';
import { browser, type Browser, type Fields } from './session.js';

let t: TestApp;
let ada: Browser;
beforeEach(async () => {
  t = await makeTestApp();
  await addOperator(t.app.store, ADMIN, 'admin', t.clock.ms);
  ada = await browser(t, ADMIN);
});
afterEach(() => t.close());

const post: Browser['post'] = (...args) => ada.post(...args);
const get: Browser['get'] = (url) => ada.get(url);

function rows() {
  const all = (table: string) => t.db.prepare(`SELECT * FROM ${table}`).all().map((r) => JSON.stringify(r)).sort();
  return {
    changes: (t.db.prepare('SELECT total_changes() AS n').get() as { n: number }).n,
    templates: all('incident_templates'),
    templateComponents: all('incident_template_components'),
    incidents: all('incidents'),
    audit: all('audit_log'),
  };
}
const auditOf = (id: string) =>
  t.db.prepare('SELECT actor_kind, actor_name, action, entity_type, before_json, after_json FROM audit_log WHERE entity_id = ? ORDER BY id').all(id) as {
    actor_kind: string;
    actor_name: string;
    action: string;
    entity_type: string;
    before_json: string | null;
    after_json: string | null;
  }[];

const TEMPLATE: Fields = {
  action: 'save',
  name: 'Payment provider down',
  title: 'Card payments failing',
  status: 'identified',
  impact: 'major',
  message: 'Our payment provider has an **outage**.',
  'component.api': 'partial_outage',
  'component.database': 'degraded_performance',
  'component.website': '',
};

let lastLocation = '';
async function createThroughForm(fields: Fields = {}) {
  const res = await post('/admin/templates', { ...TEMPLATE, ...fields });
  expect(res.statusCode, res.body).toBe(303);
  lastLocation = String(res.headers.location);
  const saved = /saved=([^&]+)/.exec(lastLocation);
  expect(saved).not.toBeNull();
  return decodeURIComponent(saved![1]!);
}

describe('admin templates: create, edit, delete', () => {
  it('creates a template through the form, audited, and lists it', async () => {
    const form = await get('/admin/templates/new');
    expect(form.statusCode).toBe(200);
    expect(csrfOf(form.body)).toBe(ada.csrf);
    expect(form.body).toContain('name="component.api"');
    const id = await createThroughForm();
    expect(t.app.store.templates.get(id)).toMatchObject({
      name: 'Payment provider down',
      title: 'Card payments failing',
      status: 'identified',
      impact: 'major',
      body: 'Our payment provider has an **outage**.',
      components: [
        { componentId: 'api', status: 'partial_outage' },
        { componentId: 'database', status: 'degraded_performance' },
      ],
    });
    const [entry, ...more] = auditOf(id);
    expect(more).toEqual([]);
    expect(entry).toMatchObject({ actor_kind: 'operator', actor_name: ADMIN.email, action: 'template.create', entity_type: 'template', before_json: null });
    expect(JSON.parse(entry!.after_json!)).toMatchObject({ name: 'Payment provider down', components: { api: 'partial_outage', database: 'degraded_performance' } });

    const list = await get(lastLocation);
    expect(list.body).toContain('Saved the template <strong>Payment provider down</strong>');
    expect(list.body).toContain(`href="/admin/incidents/new?template=${id}"`);
    expect(list.body).toContain('href="/admin/templates" aria-current="page"');
  });

  it('edits a template: every field replaced, the before and after audited', async () => {
    const id = await createThroughForm();
    const page = await get(`/admin/templates/${id}`);
    expect(page.body).toContain('value="Payment provider down"');
    expect(page.body).toContain('<option value="identified" selected>');
    expect(page.body).toMatch(/name="component.api"[\s\S]*?<option value="partial_outage" selected>/);
    t.clock.advance(60_000);
    const res = await post(`/admin/templates/${id}`, { ...TEMPLATE, name: 'Payments down', title: '', status: '', impact: '', 'component.api': '', 'component.database': '', 'component.website': 'major_outage' });
    expect(res.statusCode, res.body).toBe(303);
    expect(t.app.store.templates.get(id)).toMatchObject({ name: 'Payments down', title: '', status: null, impact: null, components: [{ componentId: 'website', status: 'major_outage' }] });
    const update = auditOf(id).find((a) => a.action === 'template.update')!;
    expect(JSON.parse(update.before_json!)).toMatchObject({ name: 'Payment provider down', status: 'identified' });
    expect(JSON.parse(update.after_json!)).toMatchObject({ name: 'Payments down', status: null, components: { website: 'major_outage' } });
  });

  it('deletes a template, audited', async () => {
    const id = await createThroughForm();
    const res = await post(`/admin/templates/${id}/delete`, {});
    expect(res.statusCode).toBe(303);
    expect(t.app.store.templates.get(id)).toBeUndefined();
    expect(t.db.prepare('SELECT count(*) AS n FROM incident_template_components').get()).toEqual({ n: 0 });
    expect(auditOf(id).map((a) => a.action)).toEqual(['template.create', 'template.delete']);
    expect(res.headers.location).toBe('/admin/templates?deleted=1');
    expect((await get(String(res.headers.location))).body).toContain('Template deleted.');
    expect((await get('/admin/templates')).body).not.toContain('Template deleted.');
    expect((await post(`/admin/templates/${id}/delete`, {})).statusCode).toBe(404);
    expect((await get(`/admin/templates/${id}`)).statusCode).toBe(404);
  });

  it('writes a template and its audit entry together or not at all', async () => {
    const before = rows();
    const record = t.app.store.audit.record.bind(t.app.store.audit);
    t.app.store.audit.record = () => {
      throw new Error('disk full');
    };
    try {
      const res = await post('/admin/templates', TEMPLATE);
      expect(res.statusCode).toBe(500);
      expect(res.body).not.toContain('disk full');
    } finally {
      t.app.store.audit.record = record;
    }
    expect({ ...rows(), changes: 0 }).toEqual({ ...before, changes: 0 });
  });

  it('preview renders the message with hostile HTML inert and writes nothing', async () => {
    const before = rows();
    const res = await post('/admin/templates', { ...TEMPLATE, action: 'preview', message: '**Bold** <img src=x onerror=alert(1)> [x](javascript:alert(1))' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<strong>Bold</strong>');
    expect(res.body).not.toContain('<img');
    expect(res.body).not.toContain('href="javascript:');
    expect(rows()).toEqual(before);
  });
});

describe('admin templates: refused forms write nothing', () => {
  it.each([
    ['an empty name', { name: ' ' }, 'tpl-name', 'Enter a name to pick this template by.'],
    ['an over-long incident name', { title: 't'.repeat(201) }, 'tpl-title', 'An incident name has at most 200 characters.'],
    ['an unknown status', { status: 'postmortem' }, 'tpl-status', 'Choose a status from the list.'],
    ['an unknown impact', { impact: 'apocalyptic' }, 'tpl-impact', 'Choose an impact, or &quot;from components&quot;.'],
    ['an unknown component status', { 'component.api': 'melted' }, 'tpl-c-api', 'Choose a status from the list.'],
    ['a component not on the page', { 'component.mainframe': 'major_outage' }, null, 'A component in this form is no longer on the page; reload and try again.'],
  ])('%s gives 422 with the typed values and the error beside its field', async (_label, bad, fieldId, message) => {
    const before = rows();
    const fields = { ...TEMPLATE, title: 'Search <b>slow</b> & "odd"', message: 'Typed <script>x</script>', ...bad };
    const res = await post('/admin/templates', fields);
    expect(res.statusCode).toBe(422);
    if (fieldId) expect(res.body).toContain(`id="${fieldId}-error">${message}</p>`);
    else expect(res.body).toContain(`<p class="alert" role="alert">${message}</p>`);
    if (!('title' in bad)) expect(res.body).toContain('value="Search &lt;b&gt;slow&lt;/b&gt; &amp; &quot;odd&quot;"');
    expect(res.body).toContain('>Typed &lt;script&gt;x&lt;/script&gt;</textarea>');
    expect(res.body).toMatch(/name="component.database"[\s\S]*?<option value="degraded_performance" selected>/);
    expect(res.body).not.toContain('<script>');
    expect(rows()).toEqual(before);
  });

  it.each([
    ['missing', null],
    ['wrong', 'not-the-token'],
  ])('a %s CSRF token gives 403 on every template form and writes nothing', async (_label, token) => {
    const id = await createThroughForm();
    const before = rows();
    for (const [url, fields] of [
      ['/admin/templates', TEMPLATE],
      [`/admin/templates/${id}`, { ...TEMPLATE, name: 'forged' }],
      [`/admin/templates/${id}/delete`, {}],
    ] as [string, Fields][]) {
      const res = await post(url, token === null ? fields : { ...fields, _csrf: token }, null);
      expect(res.statusCode, url).toBe(403);
    }
    expect(rows()).toEqual(before);
  });
});

describe('admin templates: a new incident from a template', () => {
  it('prefills the new-incident form, which then creates the incident', async () => {
    const id = await createThroughForm();
    const picker = await get('/admin/incidents/new');
    expect(picker.body).toContain('<form method="get" action="/admin/incidents/new"');
    expect(picker.body).toContain(`<option value="${id}">Payment provider down</option>`);

    const page = await get(`/admin/incidents/new?template=${id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`<option value="${id}" selected>`);
    expect(page.body).toContain('id="inc-name" name="name" type="text" autocomplete="off" required maxlength="200" value="Card payments failing"');
    expect(page.body).toMatch(/id="inc-status"[\s\S]*?<option value="identified" selected>/);
    expect(page.body).toMatch(/id="inc-impact"[\s\S]*?<option value="major" selected>/);
    expect(page.body).toContain('>Our payment provider has an **outage**.</textarea>');
    expect(page.body).toMatch(/name="component.api"[\s\S]*?<option value="partial_outage" selected>/);
    expect(page.body).toMatch(/name="component.database"[\s\S]*?<option value="degraded_performance" selected>/);
    expect(page.body).toMatch(/name="component.website"[\s\S]*?<option value="" selected>/);

    // Nothing is written until the operator posts the form.
    expect(t.app.store.incidents.listAll()).toEqual([]);
    const res = await post('/admin/incidents', {
      action: 'create',
      name: 'Card payments failing',
      status: 'identified',
      impact: 'major',
      message: 'Our payment provider has an **outage**.',
      'component.api': 'partial_outage',
      'component.database': 'degraded_performance',
    });
    expect(res.statusCode).toBe(303);
    expect(t.app.store.components.get('api')!.status).toBe('partial_outage');
  });

  it('a template without status or impact leaves the form defaults; its name stands in for an empty title', async () => {
    const id = await createThroughForm({ title: '', status: '', impact: '' });
    const page = await get(`/admin/incidents/new?template=${id}`);
    expect(page.body).toContain('value="Payment provider down"');
    expect(page.body).toMatch(/id="inc-status"[\s\S]*?<option value="investigating" selected>/);
    expect(page.body).toMatch(/id="inc-impact"[\s\S]*?<option value="" selected>From components/);
  });

  it('skips components no longer in the configuration, with a note naming them', async () => {
    const id = await createThroughForm();
    // database leaves outpost.yaml: it is hidden, not deleted.
    const config = { ...t.config, components: t.config.components.filter((c) => c.id !== 'database').map((c) => ({ ...c, depends_on: (c.depends_on ?? []).filter((d) => d !== 'database') })) };
    t.app.store.components.syncFromConfig(config, t.clock.ms);
    const page = await get(`/admin/incidents/new?template=${id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('The template &quot;Payment provider down&quot; names components no longer on this page, left out: Database.');
    expect(page.body).not.toContain('name="component.database"');
    expect(page.body).toMatch(/name="component.api"[\s\S]*?<option value="partial_outage" selected>/);

    const edit = await get(`/admin/templates/${id}`);
    expect(edit.body).toContain('names components no longer on the page: Database. They are ignored when it is used, and dropped when you save it.');
    // Saving it as shown drops the entry.
    const { 'component.database': _gone, ...shown } = TEMPLATE;
    const res = await post(`/admin/templates/${id}`, shown);
    expect(res.statusCode, res.body).toBe(303);
    expect(t.app.store.templates.get(id)!.components.map((c) => c.componentId)).toEqual(['api']);
  });

  it('an unknown template gives the empty form and a note', async () => {
    const page = await get('/admin/incidents/new?template=nope');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('That template no longer exists; the form starts empty.');
    expect(page.body).toContain('id="inc-name" name="name" type="text" autocomplete="off" required maxlength="200" value=""');
  });
});

describe('admin templates: operator text is escaped', () => {
  it('in the list, the edit form, the picker and the prefilled form', async () => {
    const hostile = '<img src=x onerror=alert(1)>"\'&';
    const id = await createThroughForm({ name: hostile, title: hostile, message: hostile });
    for (const url of ['/admin/templates', `/admin/templates/${id}`, '/admin/incidents/new', `/admin/incidents/new?template=${id}`]) {
      const page = await get(url);
      expect(page.statusCode, url).toBe(200);
      expect(page.body, url).not.toContain('<img');
      expect(page.body, url).toContain('&lt;img src=x onerror=alert(1)&gt;');
    }
  });
});
