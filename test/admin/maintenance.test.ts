import { afterEach, describe, expect, it } from 'vitest';
import { IncidentService } from '../../src/operations/incidents.js';
import { windowComponents } from '../../src/operations/maintenance.js';
import { parseLocalTime } from '../../src/util/local-time.js';
import { DAY, HOUR, MINUTE } from '../../src/util/time.js';
import { checkWindow, readWindowForm } from '../../src/web/maintenance-form.js';
import { ADMIN, addOperator, csrfOf, EDITOR } from '../auth/helpers.js';
import { makeTestApp, type TestApp } from '../helpers/app.js';
import { browser, type Browser, type Fields, pageId } from './session.js';

// ACME_YAML's page is in Europe/Zurich: +01:00 in winter, +02:00 in summer.
const NOW = Date.UTC(2026, 10, 22, 12, 0, 0); // 13:00 in Zurich

let t: TestApp;
let ada: Browser;
let service: IncidentService;

async function start(now = NOW) {
  t = await makeTestApp({ now });
  await addOperator(t.app.store, ADMIN, 'admin', t.clock.ms);
  ada = await browser(t, ADMIN);
  // The timer of src/scheduler/start.ts calls this; the tests call it at the moment they choose.
  service = new IncidentService(t.app.store, t.clock.now);
}
afterEach(() => t?.close());

/**
 * Moves the clock to `ms`. A session ends after 30 idle minutes, so a browser that comes back
 * after a jump signs in again, as an operator would.
 */
async function at(ms: number) {
  t.clock.ms = ms;
  ada = await browser(t, ADMIN);
}

const post: Browser['post'] = (...args) => ada.post(...args);
const get: Browser['get'] = (url) => ada.get(url);
const json = async (path: string) => {
  await t.app.publisher.idle();
  return (await t.app.inject(path)).json();
};
const component = (id: string) => t.app.store.components.get(id)!;

/** Every row maintenance touches, and the connection's change counter: a refused form must leave all of it as it was. */
function rows() {
  const all = (table: string) => t.db.prepare(`SELECT * FROM ${table}`).all().map((r) => JSON.stringify(r)).sort();
  return {
    changes: (t.db.prepare('SELECT total_changes() AS n').get() as { n: number }).n,
    incidents: all('incidents'),
    updates: all('incident_updates'),
    incidentComponents: all('incident_components'),
    updateComponents: all('incident_update_components'),
    components: all('components'),
    events: all('component_status_events'),
    audit: all('audit_log'),
  };
}
const audit = (entityId: string) =>
  t.db.prepare('SELECT actor_kind, actor_name, action, entity_type FROM audit_log WHERE entity_id = ? ORDER BY id').all(entityId) as {
    actor_kind: string;
    actor_name: string;
    action: string;
    entity_type: string;
  }[];

const WINDOW: Fields = {
  action: 'create',
  name: 'Database upgrade',
  starts_at: '2026-11-22T15:00', // 14:00Z
  ends_at: '2026-11-22T17:00', // 16:00Z
  components: ['database', 'api'],
  message: 'Writes pause for a few **minutes**.',
  auto_in_progress: '1',
  auto_completed: '1',
  deliver_notifications: '1',
};

async function createThroughForm(fields: Fields = {}) {
  const res = await post('/admin/maintenance', { ...WINDOW, ...fields });
  expect(res.statusCode, res.body).toBe(303);
  const location = String(res.headers.location);
  expect(location).toMatch(/^\/admin\/maintenance\/[^/?]+\?done=/);
  return pageId(location);
}

describe('admin maintenance: scheduling a window through the form', () => {
  it('shows the form with the page zone beside the times and the switches on', async () => {
    await start();
    const page = await get('/admin/maintenance/new');
    expect(page.statusCode).toBe(200);
    expect(csrfOf(page.body)).toBe(ada.csrf);
    expect(page.body).toContain('Times in <strong>Europe/Zurich</strong> (UTC+01:00 now)');
    expect(page.body).toMatch(/name="starts_at" type="datetime-local" value="2026-11-22T14:00"/);
    expect(page.body).toMatch(/name="ends_at" type="datetime-local" required value="2026-11-22T15:00"/);
    for (const s of ['auto_in_progress', 'auto_completed', 'deliver_notifications']) expect(page.body).toContain(`name="${s}" value="1" checked`);
    expect(page.body).toContain('name="components" value="database"');
    expect(page.body).not.toContain('value="group-public"');
  });

  it('creates the window, its first update and the audit entry, read in the page zone', async () => {
    await start();
    const id = await createThroughForm();
    const m = t.app.store.incidents.get(id)!;
    expect(m).toMatchObject({
      kind: 'maintenance',
      name: 'Database upgrade',
      status: 'scheduled',
      impact: 'maintenance',
      scheduledFor: Date.UTC(2026, 10, 22, 14),
      scheduledUntil: Date.UTC(2026, 10, 22, 16),
      scheduledAutoInProgress: true,
      scheduledAutoCompleted: true,
    });
    expect([...m.componentIds].sort()).toEqual(['api', 'database']);
    expect(m.updates.map((u) => [u.status, u.body, u.deliverNotifications])).toEqual([['scheduled', 'Writes pause for a few **minutes**.', true]]);
    expect(audit(id)).toEqual([{ actor_kind: 'operator', actor_name: ADMIN.email, action: 'maintenance.create', entity_type: 'maintenance' }]);
    expect(component('database').status).toBe('operational');

    const list = await get('/admin/maintenance');
    expect(list.body).toMatch(/Upcoming[\s\S]*Database upgrade[\s\S]*Recently completed/);
    expect(list.body).toContain('2026-11-22 15:00 (UTC+01:00)');
    const show = await get(`/admin/maintenance/${id}`);
    expect(show.body).toContain('Writes pause for a few <strong>minutes</strong>.');
    expect(show.body).toContain('2026-11-22 14:00 UTC');
    const upcoming = await json('/api/v2/scheduled-maintenances/upcoming.json');
    expect(upcoming.scheduled_maintenances.map((s: { id: string; scheduled_for: string }) => [s.id, s.scheduled_for])).toEqual([[id, '2026-11-22T15:00:00.000+01:00']]);
  });

  it('the switches and the announcement follow the checkboxes: unchecked is off', async () => {
    await start();
    const { auto_in_progress: _a, auto_completed: _b, deliver_notifications: _c, ...rest } = WINDOW;
    const id = await createThroughForm({});
    const off = await post('/admin/maintenance', rest);
    expect(off.statusCode).toBe(303);
    const offId = pageId(off.headers.location);
    expect(t.app.store.incidents.get(id)).toMatchObject({ scheduledAutoInProgress: true, scheduledAutoCompleted: true });
    expect(t.app.store.incidents.get(offId)).toMatchObject({ scheduledAutoInProgress: false, scheduledAutoCompleted: false });
    expect(t.app.store.incidents.get(offId)!.updates[0]!.deliverNotifications).toBe(false);

    // At the start only the automatic one moves; the other waits for an operator.
    await at(Date.UTC(2026, 10, 22, 14));
    expect(service.advanceMaintenances()).toBe(1);
    expect(t.app.store.incidents.get(offId)!.status).toBe('scheduled');
  });

  it('a window scheduled without an announcement starts and ends without one; its update form says so', async () => {
    await start();
    const { deliver_notifications: _off, ...quiet } = WINDOW;
    const created = await post('/admin/maintenance', quiet);
    const id = pageId(created.headers.location);
    expect((await get(`/admin/maintenance/${id}`)).body).toMatch(/<input type="checkbox" id="upd-announce" name="deliver_notifications" value="1">/);
    await at(Date.UTC(2026, 10, 22, 14));
    service.advanceMaintenances();
    await at(Date.UTC(2026, 10, 22, 16));
    service.advanceMaintenances();
    const m = t.app.store.incidents.get(id)!;
    expect(m.updates.map((u) => [u.status, u.deliverNotifications])).toEqual([
      ['completed', false],
      ['in_progress', false],
      ['scheduled', false],
    ]);
    // An announced window's form starts ticked, and the operator's choice is what is written.
    const loud = await createThroughForm({ name: 'Loud window', starts_at: '2026-11-22T18:00', ends_at: '2026-11-22T19:00' });
    expect((await get(`/admin/maintenance/${loud}`)).body).toMatch(/id="upd-announce" name="deliver_notifications" value="1" checked>/);
    expect((await post(`/admin/maintenance/${loud}/updates`, { status: 'in_progress', message: 'Quietly begun.' })).statusCode).toBe(303);
    expect(t.app.store.incidents.get(loud)!.updates[0]).toMatchObject({ status: 'in_progress', deliverNotifications: false });
  });

  it('reads the times across a change of daylight saving time: 01:30 summer time to 03:30 winter time is three hours', async () => {
    await start(Date.UTC(2026, 9, 20, 12));
    const id = await createThroughForm({ starts_at: '2026-10-25T01:30', ends_at: '2026-10-25T03:30' });
    const m = t.app.store.incidents.get(id)!;
    expect(new Date(m.scheduledFor!).toISOString()).toBe('2026-10-24T23:30:00.000Z');
    expect(new Date(m.scheduledUntil!).toISOString()).toBe('2026-10-25T02:30:00.000Z');
    expect(m.scheduledUntil! - m.scheduledFor!).toBe(3 * HOUR);
    const show = await get(`/admin/maintenance/${id}`);
    expect(show.body).toContain('2026-10-25 01:30 (UTC+02:00)');
    expect(show.body).toContain('2026-10-25 03:30 (UTC+01:00)');
    // The edit form gives back what was typed.
    expect(show.body).toContain('value="2026-10-25T01:30"');
  });
});

describe('admin maintenance: the window moves by itself at its edges', () => {
  it('starts and completes with the public JSON and the components following', async () => {
    await start();
    const id = await createThroughForm();
    await at(Date.UTC(2026, 10, 22, 13, 59));
    expect(service.advanceMaintenances()).toBe(0);

    await at(Date.UTC(2026, 10, 22, 14));
    expect(service.advanceMaintenances()).toBe(1);
    expect(component('database').status).toBe('under_maintenance');
    expect(component('api').status).toBe('under_maintenance');
    expect(component('website').status).toBe('operational');
    const active = await json('/api/v2/scheduled-maintenances/active.json');
    expect(active.scheduled_maintenances.map((s: { id: string; status: string }) => [s.id, s.status])).toEqual([[id, 'in_progress']]);
    const summary = await json('/api/v2/summary.json');
    expect(summary.scheduled_maintenances.map((s: { id: string }) => s.id)).toEqual([id]);
    expect(summary.status.indicator).toBe('maintenance');
    const statuses = Object.fromEntries(summary.components.map((c: { id: string; status: string }) => [c.id, c.status]));
    expect(statuses).toMatchObject({ database: 'under_maintenance', api: 'under_maintenance', website: 'operational' });
    expect((await get('/admin/maintenance')).body).toMatch(/In progress[\s\S]*Database upgrade[\s\S]*Upcoming/);

    await at(Date.UTC(2026, 10, 22, 16));
    expect(service.advanceMaintenances()).toBe(1);
    expect(component('database').status).toBe('operational');
    expect(component('database').manual).toBeNull();
    expect((await json('/api/v2/scheduled-maintenances/active.json')).scheduled_maintenances).toEqual([]);
    expect((await json('/api/v2/summary.json')).status.indicator).toBe('none');
    expect(t.app.store.incidents.get(id)!.updates.map((u) => u.status)).toEqual(['completed', 'in_progress', 'scheduled']);
    expect((await get('/admin/maintenance')).body).toMatch(/Recently completed[\s\S]*Database upgrade/);
  });
});

describe('admin maintenance: the form and the timer leave the same rows', () => {
  /** What a step leaves, ids replaced by roles so that two windows compare. */
  function shape(id: string) {
    const m = t.app.store.incidents.get(id)!;
    // Causes name who acted (the operator, or Outpost for the timer): the rest must match.
    const reason = (r: string | undefined) => r?.replace(id, '<m>').replace(/\((ada@acme\.example|Outpost)\)/, '(<actor>)');
    return {
      status: m.status,
      updates: m.updates.map((u) => ({ status: u.status, affected: [...u.affectedComponents].sort((a, b) => a.componentId.localeCompare(b.componentId)) })),
      components: ['api', 'database', 'website'].map((c) => ({ id: c, status: component(c).status, manual: component(c).manual && { ...component(c).manual!, reason: reason(component(c).manual!.reason), setAt: 0 } })),
      events: (t.db.prepare('SELECT component_id, from_status, to_status, cause FROM component_status_events WHERE cause LIKE ? ORDER BY id').all(`%${id}%`) as { cause: string }[]).map(
        (e) => ({ ...e, cause: reason(e.cause) }),
      ),
    };
  }

  it('moving to in progress and to completed by hand matches the automatic steps', async () => {
    await start();
    const byHand = await createThroughForm({ auto_in_progress: [], auto_completed: [] } as unknown as Fields);
    expect(t.app.store.incidents.get(byHand)!.scheduledAutoInProgress).toBe(false);
    await at(Date.UTC(2026, 10, 22, 14));
    const started = await post(`/admin/maintenance/${byHand}/updates`, { status: 'in_progress', message: 'We have started.' });
    expect(started.statusCode, started.body).toBe(303);
    const handStarted = shape(byHand);
    expect(handStarted.components.filter((c) => c.status === 'under_maintenance').map((c) => c.id)).toEqual(['api', 'database']);
    await at(Date.UTC(2026, 10, 22, 16));
    expect((await post(`/admin/maintenance/${byHand}/updates`, { status: 'completed', message: 'Done.' })).statusCode).toBe(303);
    const handDone = shape(byHand);

    // The same window again, moved by the timer.
    await at(Date.UTC(2026, 10, 22, 13));
    const byTimer = await createThroughForm({ starts_at: '2026-11-22T16:00', ends_at: '2026-11-22T18:00' });
    await at(Date.UTC(2026, 10, 22, 15));
    expect(service.advanceMaintenances()).toBe(1);
    expect(shape(byTimer)).toEqual(handStarted);
    await at(Date.UTC(2026, 10, 22, 17));
    expect(service.advanceMaintenances()).toBe(1);
    expect(shape(byTimer)).toEqual(handDone);
    expect(handDone.components.every((c) => c.status === 'operational' && c.manual === null)).toBe(true);
  });

  it.each([
    ['scheduled', 'in_progress', ['a', 'b']],
    ['scheduled', 'verifying', ['a', 'b']],
    ['completed', 'in_progress', ['a', 'b']],
    ['in_progress', 'verifying', null],
    ['verifying', 'in_progress', null],
    ['in_progress', 'completed', null],
    ['scheduled', 'scheduled', null],
    ['scheduled', undefined, null],
  ] as const)('windowComponents: from %s to %s holds %j', (from, to, held) => {
    const result = windowComponents({ status: from, componentIds: ['a', 'b', 'gone'] }, to, new Set(['a', 'b', 'c']));
    expect(result).toEqual(held === null ? undefined : Object.fromEntries(held.map((id) => [id, 'under_maintenance'])));
  });
});

describe('admin maintenance: the form and the management API leave the same rows', () => {
  it('given the same window', async () => {
    await start();
    const key = t.app.store.apiKeys.create('deploy bot', 'editor', t.clock.ms).key;
    const viaForm = await createThroughForm({ deliver_notifications: [] } as unknown as Fields);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/pages/acme/incidents',
      headers: { authorization: `OAuth ${key}` },
      payload: {
        incident: {
          name: 'Database upgrade',
          body: 'Writes pause for a few **minutes**.',
          scheduled_for: '2026-11-22T15:00:00+01:00',
          scheduled_until: '2026-11-22T16:00:00Z',
          component_ids: ['database', 'api'],
          scheduled_auto_in_progress: true,
          scheduled_auto_completed: true,
          deliver_notifications: false,
        },
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    const viaApi = res.json().id as string;
    const shape = (id: string) => {
      const m = t.app.store.incidents.get(id)!;
      const row = t.db.prepare('SELECT * FROM incidents WHERE id = ?').get(id) as Record<string, unknown>;
      return {
        row: { ...row, id: null },
        componentIds: [...m.componentIds].sort(),
        updates: m.updates.map((u) => ({ status: u.status, body: u.body, deliverNotifications: u.deliverNotifications, affected: u.affectedComponents, at: u.createdAt })),
        audit: audit(id).map((a) => a.action),
      };
    };
    expect(shape(viaApi)).toEqual(shape(viaForm));
    expect(shape(viaForm).row).toMatchObject({ scheduled_for: Date.UTC(2026, 10, 22, 14), scheduled_until: Date.UTC(2026, 10, 22, 16), scheduled_auto_in_progress: 1 });
    expect(audit(viaApi)[0]).toMatchObject({ actor_kind: 'api_key', action: 'maintenance.create' });

    // And both start the same way.
    await at(Date.UTC(2026, 10, 22, 14));
    expect(service.advanceMaintenances()).toBe(2);
    // (The second to start finds the components already under maintenance: only what it sets compares.)
    const started = (id: string) => t.app.store.incidents.get(id)!.updates[0]!.affectedComponents.map((a) => [a.componentId, a.newStatus]).sort();
    expect(started(viaApi)).toEqual(started(viaForm));
    expect(started(viaForm)).toEqual([
      ['api', 'under_maintenance'],
      ['database', 'under_maintenance'],
    ]);
  });
});

describe('admin maintenance: refused forms write nothing', () => {
  it.each([
    ['an end before the start', { ends_at: '2026-11-22T14:00' }, 'mnt-ends', 'The window must end after it starts.'],
    ['an end equal to the start', { ends_at: '2026-11-22T15:00' }, 'mnt-ends', 'The window must end after it starts.'],
    ['a day that does not exist', { starts_at: '2026-02-30T10:00' }, 'mnt-starts', 'Enter a date and time, like 2026-03-28 22:00.'],
    ['words instead of a date', { ends_at: 'tomorrow' }, 'mnt-ends', 'Enter a date and time, like 2026-03-28 22:00.'],
    ['no start', { starts_at: '' }, 'mnt-starts', 'Enter when the window starts.'],
    [
      'a time skipped by the clocks',
      { starts_at: '2027-03-28T02:30', ends_at: '2027-03-28T05:00' },
      'mnt-starts',
      '2027-03-28 02:30 does not exist in Europe/Zurich: the clocks go forward at that time. Choose a time after the change.',
    ],
    ['a start days ago', { starts_at: '2026-11-19T10:00' }, 'mnt-starts', 'A window cannot start more than 24 hours ago.'],
    ['an end already past', { starts_at: '2026-11-22T08:00', ends_at: '2026-11-22T09:00' }, 'mnt-ends', 'This end has already passed; choose an end in the future.'],
    ['a mistyped year', { starts_at: '2206-11-22T15:00', ends_at: '2206-11-22T16:00' }, 'mnt-starts', 'A window starts within the next two years; check the year.'],
    ['a window of months', { ends_at: '2027-02-22T15:00' }, 'mnt-ends', 'A window lasts at most 31 days; check the dates.'],
    ['an unknown component', { components: ['database', 'mainframe'] }, 'mnt-components', 'A chosen component is no longer on the page; reload and choose again.'],
    ['a group as a component', { components: ['group-public'] }, 'mnt-components', 'A chosen component is no longer on the page; reload and choose again.'],
    ['an empty name', { name: '  ' }, 'mnt-name', 'Enter a name for the maintenance.'],
    ['an over-long message', { message: 'm'.repeat(20_001) }, 'mnt-message', 'A message has at most 20,000 characters.'],
  ])('%s gives 422 with the typed values and the error beside its field', async (_label, bad, fieldId, message) => {
    await start();
    const before = rows();
    const fields = { ...WINDOW, name: 'Search <b>index</b> & rebuild', message: 'Typed <script>x</script>', auto_completed: [], ...bad } as Fields;
    const res = await post('/admin/maintenance', fields);
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain(`id="${fieldId}-error">${message}</p>`);
    if (!('name' in bad)) expect(res.body).toContain('value="Search &lt;b&gt;index&lt;/b&gt; &amp; rebuild"');
    if (!('message' in bad)) expect(res.body).toContain('>Typed &lt;script&gt;x&lt;/script&gt;</textarea>');
    expect(res.body).toContain(`value="${fields.starts_at}"`);
    expect(res.body).toContain(`value="${fields.ends_at}"`);
    // The switch left off stays off, the others stay on.
    expect(res.body).toContain('name="auto_in_progress" value="1" checked');
    expect(res.body).not.toContain('name="auto_completed" value="1" checked');
    if (!('components' in bad)) expect(res.body).toContain('name="components" value="database" checked');
    expect(res.body).not.toContain('<script>');
    expect(res.body).not.toMatch(/ZodError|at .*\.ts:\d+/);
    expect(rows()).toEqual(before);
  });

  it.each([
    ['missing', null],
    ['wrong', 'not-the-token'],
  ])('a %s CSRF token gives 403 on every maintenance form and writes nothing', async (_label, token) => {
    await start();
    const id = await createThroughForm();
    const updateId = t.app.store.incidents.get(id)!.updates[0]!.id;
    t.clock.advance(MINUTE);
    const before = rows();
    const attempts: [string, Fields][] = [
      ['/admin/maintenance', WINDOW],
      [`/admin/maintenance/${id}/updates`, { status: 'in_progress', message: 'forged' }],
      [`/admin/maintenance/${id}/window`, { name: 'forged', ends_at: '2026-11-22T18:00' }],
      [`/admin/maintenance/${id}/cancel`, { message: 'forged' }],
      [`/admin/maintenance/${id}/updates/${updateId}/edit`, { body: 'forged' }],
      [`/admin/maintenance/${id}/updates/${updateId}/delete`, {}],
      [`/admin/maintenance/${id}/delete`, {}],
    ];
    for (const [url, fields] of attempts) {
      const res = await post(url, token === null ? fields : { ...fields, _csrf: token }, null);
      expect(res.statusCode, url).toBe(403);
    }
    expect(rows()).toEqual(before);
  });

  it('preview renders the message with hostile HTML inert and writes nothing', async () => {
    await start();
    const before = rows();
    const res = await post('/admin/maintenance', { ...WINDOW, action: 'preview', message: '**Bold** <img src=x onerror=alert(1)> [x](javascript:alert(1))' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<strong>Bold</strong>');
    expect(res.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(res.body).not.toContain('<img');
    expect(res.body).not.toContain('href="javascript:');
    expect(rows()).toEqual(before);
  });

  it('answers 404 for an unknown maintenance and for an incident id', async () => {
    await start();
    const incident = service.create({ name: 'Not maintenance', status: 'investigating', body: 'x' }, { kind: 'system', id: 't', name: 't' });
    const before = rows();
    expect((await get('/admin/maintenance/nope')).statusCode).toBe(404);
    expect((await get(`/admin/maintenance/${incident.id}`)).statusCode).toBe(404);
    expect((await post(`/admin/maintenance/${incident.id}/delete`, {})).statusCode).toBe(404);
    expect((await post('/admin/maintenance/nope/updates', { status: 'in_progress', message: 'x' })).statusCode).toBe(404);
    expect(rows()).toEqual(before);
  });
});

describe('admin maintenance: updates, changes of window, cancel and delete', () => {
  it('posts, edits and deletes updates; going back to scheduled after the start is refused', async () => {
    await start();
    const id = await createThroughForm();
    await at(Date.UTC(2026, 10, 22, 14, 5));
    expect((await post(`/admin/maintenance/${id}/updates`, { status: 'in_progress', message: 'Started early <b>now</b>.' })).statusCode).toBe(303);
    expect(component('database').status).toBe('under_maintenance');
    t.clock.advance(MINUTE);
    expect((await post(`/admin/maintenance/${id}/updates`, { status: 'verifying', message: 'Checking.' })).statusCode).toBe(303);
    expect(component('database').status).toBe('under_maintenance');
    const [verifying, inProgress] = t.app.store.incidents.get(id)!.updates;
    expect(verifying!.affectedComponents).toEqual([]);

    const edited = await post(`/admin/maintenance/${id}/updates/${inProgress!.id}/edit`, { body: 'Started on time.' });
    expect(edited.statusCode).toBe(303);
    expect(t.app.store.incidents.get(id)!.updates[1]!.body).toBe('Started on time.');
    expect(audit(inProgress!.id).map((a) => a.action)).toEqual(['incident_update.edit']);
    expect((await post(`/admin/maintenance/${id}/updates/${verifying!.id}/delete`, {})).statusCode).toBe(303);
    expect(t.app.store.incidents.get(id)!.updates.map((u) => u.status)).toEqual(['in_progress', 'scheduled']);

    const before = rows();
    const back = await post(`/admin/maintenance/${id}/updates`, { status: 'scheduled', message: 'Oops <i>back</i>' });
    expect(back.statusCode).toBe(422);
    expect(back.body).toContain('id="upd-status-error">This maintenance has started; it cannot go back to scheduled.</p>');
    expect(back.body).toContain('>Oops &lt;i&gt;back&lt;/i&gt;</textarea>');
    const empty = await post(`/admin/maintenance/${id}/updates/${inProgress!.id}/edit`, { body: '  ' });
    expect(empty.statusCode).toBe(422);
    expect(empty.body).toContain(`id="edit-${inProgress!.id}-error">Enter the corrected text.</p>`);
    expect(rows()).toEqual(before);
  });

  it('changes a window before it starts: times, components, switches, audited', async () => {
    await start();
    const id = await createThroughForm();
    const res = await post(`/admin/maintenance/${id}/window`, {
      name: 'Database upgrade, moved',
      starts_at: '2026-11-23T02:00',
      ends_at: '2026-11-23T03:00',
      components: ['website'],
      auto_completed: '1',
    });
    expect(res.statusCode, res.body).toBe(303);
    expect(t.app.store.incidents.get(id)).toMatchObject({
      name: 'Database upgrade, moved',
      scheduledFor: Date.UTC(2026, 10, 23, 1),
      startedAt: Date.UTC(2026, 10, 23, 1),
      scheduledUntil: Date.UTC(2026, 10, 23, 2),
      componentIds: ['website'],
      scheduledAutoInProgress: false,
      scheduledAutoCompleted: true,
    });
    const entry = t.db.prepare("SELECT before_json, after_json FROM audit_log WHERE action = 'maintenance.reschedule'").get() as { before_json: string; after_json: string };
    expect(JSON.parse(entry.before_json)).toMatchObject({ name: 'Database upgrade', scheduledFor: Date.UTC(2026, 10, 22, 14) });
    expect(JSON.parse(entry.after_json)).toMatchObject({ name: 'Database upgrade, moved', componentIds: ['website'], autoInProgress: false });
    const upcoming = await json('/api/v2/scheduled-maintenances/upcoming.json');
    expect(upcoming.scheduled_maintenances[0]).toMatchObject({ name: 'Database upgrade, moved', scheduled_for: '2026-11-23T02:00:00.000+01:00' });

    const before = rows();
    const bad = await post(`/admin/maintenance/${id}/window`, { name: 'x', starts_at: '2026-11-23T02:00', ends_at: '2026-11-23T01:00' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('id="win-ends-error">The window must end after it starts.</p>');
    expect(bad.body).toContain('value="2026-11-23T01:00"');
    expect(rows()).toEqual(before);
  });

  it('renames a window that waits for an operator long after its start; moving its start into the past is still refused', async () => {
    await start();
    const id = await createThroughForm({ auto_in_progress: [], ends_at: '2026-12-02T17:00' });
    await at(Date.UTC(2026, 10, 25, 12));
    expect(service.advanceMaintenances()).toBe(0);
    const rename = await post(`/admin/maintenance/${id}/window`, { name: 'Database upgrade (waiting)', starts_at: '2026-11-22T15:00', ends_at: '2026-12-02T17:00', components: ['database'] });
    expect(rename.statusCode, rename.body).toBe(303);
    expect(t.app.store.incidents.get(id)).toMatchObject({ name: 'Database upgrade (waiting)', scheduledFor: Date.UTC(2026, 10, 22, 14), status: 'scheduled' });
    const before = rows();
    const moved = await post(`/admin/maintenance/${id}/window`, { name: 'x', starts_at: '2026-11-22T16:00', ends_at: '2026-12-02T17:00' });
    expect(moved.statusCode).toBe(422);
    expect(moved.body).toContain('id="win-starts-error">A window cannot start more than 24 hours ago.</p>');
    expect(rows()).toEqual(before);
  });

  it('extends a window that overran: only the end and the switch change, and it completes at the new end', async () => {
    await start();
    const id = await createThroughForm();
    await at(Date.UTC(2026, 10, 22, 14));
    service.advanceMaintenances();
    const page = await get(`/admin/maintenance/${id}`);
    expect(page.body).toMatch(/name="starts_at" type="datetime-local" value="2026-11-22T15:00"[^>]* disabled/);
    // A forged start and components are ignored: a started window keeps them.
    const res = await post(`/admin/maintenance/${id}/window`, { name: 'Database upgrade', starts_at: '2026-11-22T10:00', ends_at: '2026-11-22T18:00', components: ['website'], auto_completed: '1' });
    expect(res.statusCode, res.body).toBe(303);
    expect(t.app.store.incidents.get(id)).toMatchObject({ scheduledFor: Date.UTC(2026, 10, 22, 14), scheduledUntil: Date.UTC(2026, 10, 22, 17), scheduledAutoInProgress: true });
    expect([...t.app.store.incidents.get(id)!.componentIds].sort()).toEqual(['api', 'database']);
    await at(Date.UTC(2026, 10, 22, 16));
    expect(service.advanceMaintenances()).toBe(0);
    expect(component('database').status).toBe('under_maintenance');
    await at(Date.UTC(2026, 10, 22, 17));
    expect(service.advanceMaintenances()).toBe(1);
    expect(component('database').status).toBe('operational');
    // A completed window offers no more changes.
    expect((await get(`/admin/maintenance/${id}`)).body).not.toContain('action="/admin/maintenance/' + id + '/window"');
    const late = await post(`/admin/maintenance/${id}/window`, { name: 'x', ends_at: '2026-11-22T20:00' });
    expect(late.statusCode).toBe(409);
  });

  it('cancels a window that has not started: completed, with the message, and the timer leaves it alone', async () => {
    await start();
    const id = await createThroughForm();
    const res = await post(`/admin/maintenance/${id}/cancel`, { message: 'Postponed to next week.' });
    expect(res.statusCode).toBe(303);
    expect(t.app.store.incidents.get(id)!.updates.map((u) => [u.status, u.body])[0]).toEqual(['completed', 'Postponed to next week.']);
    await at(Date.UTC(2026, 10, 22, 14));
    expect(service.advanceMaintenances()).toBe(0);
    expect(component('database').status).toBe('operational');
    expect((await json('/api/v2/scheduled-maintenances/upcoming.json')).scheduled_maintenances).toEqual([]);
  });

  it('deletes a window in progress: gone everywhere, components back to automation, audited', async () => {
    await start();
    const id = await createThroughForm();
    await at(Date.UTC(2026, 10, 22, 14));
    service.advanceMaintenances();
    expect(component('api').status).toBe('under_maintenance');
    const res = await post(`/admin/maintenance/${id}/delete`, {});
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/maintenance');
    expect(t.app.store.incidents.get(id)).toBeUndefined();
    expect(component('api').status).toBe('operational');
    expect(audit(id).map((a) => a.action)).toContain('incident.delete');
    expect((await json('/api/v2/summary.json')).scheduled_maintenances).toEqual([]);
  });

  it('deleting is for admins, as an incident and through the API: an editor is not offered it and gets 403', async () => {
    await start();
    const id = await createThroughForm();
    await addOperator(t.app.store, EDITOR, 'editor', t.clock.ms);
    const eddie = await browser(t, EDITOR);
    expect((await eddie.get(`/admin/maintenance/${id}`)).body).not.toContain('Delete this maintenance');
    expect((await get(`/admin/maintenance/${id}`)).body).toContain('Delete this maintenance');
    expect((await eddie.post(`/admin/maintenance/${id}/delete`, {})).statusCode).toBe(403);
    expect(t.app.store.incidents.get(id)).toBeDefined();
  });
});

describe('admin maintenance: operator text is escaped', () => {
  it('in the list, the page and the navigation', async () => {
    await start();
    const hostile = '<img src=x onerror=alert(1)>"\'&';
    const id = await createThroughForm({ name: hostile, message: `${hostile} [x](javascript:alert(1))` });
    for (const url of ['/admin/maintenance', `/admin/maintenance/${id}`]) {
      const page = await get(url);
      expect(page.statusCode).toBe(200);
      expect(page.body).not.toContain('<img');
      expect(page.body).not.toContain('href="javascript:');
      expect(page.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
      expect(page.body).toContain('href="/admin/maintenance" aria-current="page"');
    }
  });
});

describe('wall-clock times in the page zone', () => {
  it.each([
    // zone, typed, instant (or the reason it has none)
    ['Europe/Zurich', '2026-07-01T10:00', '2026-07-01T08:00:00.000Z'],
    ['Europe/Zurich', '2026-01-15T10:00', '2026-01-15T09:00:00.000Z'],
    ['Europe/Zurich', '2026-03-29T01:59', '2026-03-29T00:59:00.000Z'],
    ['Europe/Zurich', '2026-03-29T02:00', 'gap'],
    ['Europe/Zurich', '2026-03-29T02:30', 'gap'],
    ['Europe/Zurich', '2026-03-29T03:00', '2026-03-29T01:00:00.000Z'],
    ['Europe/Zurich', '2026-10-25T02:30', '2026-10-25T00:30:00.000Z'], // repeated hour: the first
    ['Europe/Zurich', '2026-10-25T03:00', '2026-10-25T02:00:00.000Z'],
    ['America/New_York', '2026-03-08T02:30', 'gap'],
    ['America/New_York', '2026-03-08T03:30', '2026-03-08T07:30:00.000Z'],
    ['America/New_York', '2026-11-01T01:30', '2026-11-01T05:30:00.000Z'], // EDT, the first
    ['America/New_York', '2026-12-31T23:30', '2027-01-01T04:30:00.000Z'],
    ['Australia/Lord_Howe', '2026-10-04T02:15', 'gap'], // half-hour DST
    ['Australia/Lord_Howe', '2026-04-05T01:45', '2026-04-04T14:45:00.000Z'],
    ['Asia/Kolkata', '2026-01-01T00:00', '2025-12-31T18:30:00.000Z'],
    ['Pacific/Auckland', '2026-09-27T02:30', 'gap'],
    ['Pacific/Auckland', '2026-04-05T02:30', '2026-04-04T13:30:00.000Z'],
    ['Etc/UTC', '2026-03-29T02:30', '2026-03-29T02:30:00.000Z'],
    ['Europe/Zurich', '2026-07-01 10:00', '2026-07-01T08:00:00.000Z'], // a text-field fallback
    ['Europe/Zurich', '2026-07-01T10:00:30', '2026-07-01T08:00:30.000Z'],
    ['Europe/Zurich', '2026-02-29T10:00', 'invalid'],
    ['Europe/Zurich', '2028-02-29T10:00', '2028-02-29T09:00:00.000Z'],
    ['Europe/Zurich', '2026-13-01T10:00', 'invalid'],
    ['Europe/Zurich', '2026-07-01T24:00', 'invalid'],
    ['Europe/Zurich', '2026-07-01T10:60', 'invalid'],
    ['Europe/Zurich', '2026-07-01', 'invalid'],
    ['Europe/Zurich', '10:00', 'invalid'],
    ['Europe/Zurich', '', 'invalid'],
  ])('%s %j is %s', (zone, typed, expected) => {
    const result = parseLocalTime(typed, zone);
    if (expected === 'gap' || expected === 'invalid') expect(result).toEqual({ ok: false, reason: expected });
    else expect(result.ok && new Date(result.ms).toISOString()).toBe(expected);
  });

  it('marks the repeated hour as ambiguous, and only it', () => {
    expect(parseLocalTime('2026-10-25T02:30', 'Europe/Zurich')).toMatchObject({ ok: true, ambiguous: true });
    expect(parseLocalTime('2026-10-25T03:30', 'Europe/Zurich')).toMatchObject({ ok: true, ambiguous: false });
  });

  it.each([
    ['starts 23 hours ago', -23 * HOUR, HOUR, {}],
    ['starts 25 hours ago', -25 * HOUR, HOUR, { starts_at: 'A window cannot start more than 24 hours ago.' }],
    ['ends in a minute', -HOUR, MINUTE, {}],
    ['ends now', -HOUR, 0, { ends_at: 'This end has already passed; choose an end in the future.' }],
    ['lasts 31 days', HOUR, HOUR + 31 * DAY, {}],
    ['lasts 31 days and a minute', HOUR, HOUR + 31 * DAY + MINUTE, { ends_at: 'A window lasts at most 31 days; check the dates.' }],
  ])('checkWindow: a window that %s', (_label, startOffset, endOffset, errors) => {
    const tz = 'Etc/UTC';
    const now = Date.UTC(2026, 5, 1, 12);
    const local = (ms: number) => new Date(ms).toISOString().slice(0, 16);
    const state = readWindowForm({ starts_at: local(now + startOffset), ends_at: local(now + endOffset) });
    const window = checkWindow(state, tz, now);
    expect(state.errors).toEqual(errors);
    expect(window === undefined).toBe(Object.keys(errors).length > 0);
  });
});
