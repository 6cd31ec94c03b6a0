import type { Announcement, AnnouncedIncident } from '../../src/announce/types.js';

/** 2026-11-22 13:05 UTC (14:05 in Paris). */
export const AT = Date.UTC(2026, 10, 22, 13, 5);

export const PAGE: Announcement['page'] = {
  id: 'acme',
  name: 'Acme status',
  url: 'https://status.acme.com/',
  timeZone: 'Europe/Paris',
  indicator: 'major',
  description: '',
};

export function incidentAnnouncement(overrides: Partial<AnnouncedIncident> = {}, extra: Partial<Announcement> = {}): Announcement {
  const incident: AnnouncedIncident = {
    id: 'inc1',
    kind: 'incident',
    name: 'API latency',
    status: 'investigating',
    impact: 'major',
    url: 'https://status.acme.com/incidents/inc1',
    createdAt: AT,
    scheduledFor: null,
    scheduledUntil: null,
    update: { id: 'upd1', status: 'investigating', body: 'We are **looking** into [slow responses](https://status.acme.com/x).', at: AT },
    components: [
      { id: 'api', name: 'API', status: 'partial_outage' },
      { id: 'web', name: 'Website', status: 'degraded_performance' },
    ],
    statuspage: {},
    ...overrides,
  };
  return { eventId: 'evt1', kind: 'incident.created', at: AT, page: PAGE, incident, ...extra };
}

export function maintenanceAnnouncement(): Announcement {
  const from = Date.UTC(2026, 10, 24, 22, 0);
  return incidentAnnouncement(
    {
      id: 'mnt1',
      kind: 'maintenance',
      name: 'Database upgrade',
      status: 'scheduled',
      impact: 'maintenance',
      url: 'https://status.acme.com/incidents/mnt1',
      scheduledFor: from,
      scheduledUntil: from + 2 * 3_600_000,
      update: { id: 'upd2', status: 'scheduled', body: 'The database will be read-only.', at: AT },
      components: [{ id: 'db', name: 'Database', status: 'operational' }],
    },
    { kind: 'maintenance.scheduled' },
  );
}

export function componentAnnouncement(): Announcement {
  return {
    eventId: 'evt3',
    kind: 'component.status',
    at: AT,
    page: PAGE,
    component: { id: 'api', name: 'API', oldStatus: 'operational', newStatus: 'major_outage', at: AT, statuspage: {} },
  };
}

/** Markdown and HTML an operator (or an attacker who got an operator's key) could type. */
export const HOSTILE_BODY = [
  '<script>alert(1)</script> <img src=x onerror=alert(1)> <b>bold</b>',
  '<!channel> <!here> <@U123> @everyone @here <@&987> @someone@mastodon.social',
  '[click](javascript:alert(1)) [data](data:text/html,<b>x</b>) [ok](https://ok.example/a)',
  '```\n</code><script>x</script>\n```',
].join('\n\n');

export const HOSTILE_NAME = '<script>alert(1)</script> *API* @everyone <!channel> [x](javascript:y)';
