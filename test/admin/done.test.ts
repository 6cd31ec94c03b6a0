import { afterEach, describe, expect, it } from 'vitest';
import { HOUR, MINUTE } from '../../src/util/time.js';
import { ACME_YAML, type TestApp } from '../helpers/app.js';
import { ADMIN, appWithOperators, browser, pageId, type Browser, type Fields } from './session.js';

const WITH_CHANNELS = `${ACME_YAML}
announce:
  - { id: ops, type: webhook, url: "http://127.0.0.1:9/hook", secret: "0123456789abcdef0123456789abcdef" }
  - { id: oncall, type: webhook, url: "http://127.0.0.1:9/other", secret: "0123456789abcdef0123456789abcdef", events: [incident.created] }
`;

let t: TestApp;
let ada: Browser;
afterEach(() => t.close());

async function start(yaml: string) {
  t = await appWithOperators({ yaml });
  ada = await browser(t, ADMIN);
}

/** The page a write led to, and the text of its notice (tags dropped, whitespace folded), or null. */
async function landing(location: unknown): Promise<{ body: string; notice: string | null }> {
  const res = await ada.get(String(location));
  expect(res.statusCode).toBe(200);
  const notice = /<div class="notice done" role="status">([\s\S]*?)<\/div>/.exec(res.body)?.[1];
  return { body: res.body, notice: notice === undefined ? null : notice.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim() };
}

const INCIDENT: Fields = { action: 'create', impact: '', name: 'API errors', status: 'investigating', message: 'Looking into it.', 'component.api': 'major_outage', deliver_notifications: '1' };

describe('admin: what a write did is said on the page it leads to', () => {
  it('a new incident: created, and announced on each channel that takes it, with where its delivery stands', async () => {
    await start(WITH_CHANNELS);
    const res = await ada.post('/admin/incidents', INCIDENT);
    expect(res.headers.location).toMatch(/\?done=created&update=[^&]+$/);
    const page = await landing(res.headers.location);
    expect(page.notice).toBe('Incident created. Announced on ops (queued) and oncall (queued).');
    expect(page.body).toContain('href="/admin/announcements/ops"');

    // The state follows the delivery: a reload after it went out says so.
    const seq = (t.db.prepare("SELECT seq FROM outbox WHERE channel_id = 'ops'").get() as { seq: number }).seq;
    t.app.store.outbox.markSent(seq, t.clock.ms, 200, null);
    expect((await landing(res.headers.location)).notice).toBe('Incident created. Announced on ops (sent) and oncall (queued).');
  });

  it('an update: posted, announced only where the channel takes it, or not at all when the box was unticked', async () => {
    await start(WITH_CHANNELS);
    const id = pageId((await ada.post('/admin/incidents', INCIDENT)).headers.location);
    t.clock.advance(5 * MINUTE);
    const posted = await ada.post(`/admin/incidents/${id}/updates`, { status: 'identified', message: 'A bad deploy.', deliver_notifications: '1' });
    expect((await landing(posted.headers.location)).notice).toBe('Update posted. Announced on ops (queued).');

    t.clock.advance(5 * MINUTE);
    const quiet = await ada.post(`/admin/incidents/${id}/updates`, { status: 'monitoring', message: 'Rolled back.' });
    expect((await landing(quiet.headers.location)).notice).toBe('Update posted. Not announced: “Announce on the configured channels” was off.');

    t.clock.advance(5 * MINUTE);
    const resolved = await ada.post(`/admin/incidents/${id}/updates`, { form: 'resolve', status: 'resolved', message: '', deliver_notifications: '1' });
    expect((await landing(resolved.headers.location)).notice).toBe('Incident resolved. Announced on ops (queued).');
  });

  it('says why nothing went out when no channel is configured, and what a correction does', async () => {
    await start(ACME_YAML);
    const created = await ada.post('/admin/incidents', INCIDENT);
    expect((await landing(created.headers.location)).notice).toBe('Incident created. Not announced: no announcement channel is configured.');
    const id = pageId(created.headers.location);
    const updateId = t.app.store.incidents.get(id)!.updates[0]!.id;
    const edited = await ada.post(`/admin/incidents/${id}/updates/${updateId}/edit`, { body: 'Looking into it, with care.' });
    expect((await landing(edited.headers.location)).notice).toBe('Update corrected. A correction is shown on the page and not announced again.');
  });

  it('maintenance: scheduled and cancelled, each with its announcement', async () => {
    await start(WITH_CHANNELS);
    const local = (ms: number) => new Date(ms + HOUR).toISOString().slice(0, 16); // Europe/Zurich in November
    const scheduled = await ada.post('/admin/maintenance', {
      action: 'create',
      name: 'Database upgrade',
      starts_at: local(t.clock.ms + 2 * HOUR),
      ends_at: local(t.clock.ms + 3 * HOUR),
      components: 'database',
      message: 'Writes pause.',
      deliver_notifications: '1',
    });
    expect(scheduled.statusCode, scheduled.body).toBe(303);
    expect((await landing(scheduled.headers.location)).notice).toBe('Maintenance scheduled. Announced on ops (queued).');
    const cancelled = await ada.post(`/admin/maintenance/${pageId(scheduled.headers.location)}/cancel`, { message: '' });
    expect((await landing(cancelled.headers.location)).notice).toBe('Maintenance cancelled. Announced on ops (queued).');
  });

  it('an address without a known notice shows none, and an unknown update only what was done', async () => {
    await start(ACME_YAML);
    const id = pageId((await ada.post('/admin/incidents', INCIDENT)).headers.location);
    expect((await landing(`/admin/incidents/${id}`)).notice).toBeNull();
    expect((await landing(`/admin/incidents/${id}?done=<script>`)).notice).toBeNull();
    expect((await landing(`/admin/incidents/${id}?done=toString`)).notice).toBeNull();
    expect((await landing(`/admin/incidents/${id}?done=posted&update=nope`)).notice).toBe('Update posted.');
  });
});
