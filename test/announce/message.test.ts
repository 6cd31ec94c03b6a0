import { describe, expect, it } from 'vitest';
import { buildMessage, formatMessage, renderTemplate } from '../../src/announce/message.js';
import type { IncidentStatus, MaintenanceStatus } from '../../src/status/types.js';
import { componentAnnouncement, HOSTILE_NAME, incidentAnnouncement, maintenanceAnnouncement } from './channel-fixtures.js';

describe('buildMessage', () => {
  it('an incident update: headline, status, impact, components, body, link', () => {
    const m = buildMessage(incidentAnnouncement());
    expect(m).toMatchObject({
      subject: 'incident',
      headline: '[Investigating] API latency',
      statusLabel: 'Investigating',
      impact: 'major',
      impactLabel: 'Major',
      tone: 'major',
      url: 'https://status.acme.com/incidents/inc1',
      linkLabel: 'View incident',
      atLabel: '22 Nov 2026, 14:05 CET',
      window: null,
      test: false,
    });
    expect(m.components).toEqual([
      { name: 'API', status: 'partial_outage', statusLabel: 'Partial outage' },
      { name: 'Website', status: 'degraded_performance', statusLabel: 'Degraded performance' },
    ]);
  });

  it('a maintenance: its window in the page time zone, no impact', () => {
    const m = buildMessage(maintenanceAnnouncement());
    expect(m).toMatchObject({
      subject: 'maintenance',
      headline: '[Scheduled] Database upgrade',
      impact: null,
      tone: 'maintenance',
      window: { from: '24 Nov 2026, 23:00 CET', until: '25 Nov 2026, 01:00 CET' },
      linkLabel: 'View maintenance',
    });
  });

  it('a component change: what it was and what it is, linking to the page', () => {
    const m = buildMessage(componentAnnouncement());
    expect(m).toMatchObject({ subject: 'component', headline: '[Major outage] API', tone: 'critical', url: 'https://status.acme.com/' });
    expect(m.body).toBe('**API** is now major outage (it was operational).');
  });

  it('a test message says so in the headline and the footer', () => {
    const m = buildMessage(incidentAnnouncement({}, { test: true }));
    expect(m.headline).toBe('[Test] [Investigating] API latency');
    expect(formatMessage(m, 'text').footer).toBe('Acme status · 22 Nov 2026, 14:05 CET · Test message from Outpost: nothing has happened');
  });

  it.each<[string, IncidentStatus | MaintenanceStatus, 'incident' | 'maintenance', string]>([
    ['investigating incident', 'investigating', 'incident', 'critical'],
    ['resolved incident', 'resolved', 'incident', 'resolved'],
    ['postmortem', 'postmortem', 'incident', 'resolved'],
    ['maintenance in progress', 'in_progress', 'maintenance', 'maintenance'],
    ['maintenance completed', 'completed', 'maintenance', 'resolved'],
  ])('tone of a %s', (_name, status, kind, tone) => {
    const a = incidentAnnouncement({ kind, impact: kind === 'maintenance' ? 'maintenance' : 'critical', update: { id: 'u', status, body: '', at: 0 } });
    expect(buildMessage(a).tone).toBe(tone);
  });

  it('throws on an announcement about nothing (a bug, not a delivery failure)', () => {
    expect(() => buildMessage({ ...incidentAnnouncement(), incident: undefined })).toThrow(/neither/);
  });
});

describe('formatMessage escapes names per format', () => {
  const m = buildMessage(incidentAnnouncement({ name: HOSTILE_NAME, components: [{ id: 'x', name: '<@U1> *db*', status: 'major_outage' }] }));

  it.each([
    ['mrkdwn', '[Investigating] &lt;script&gt;alert(1)&lt;/script&gt; *API* @everyone &lt;!channel&gt; [x](javascript:y)', '&lt;@U1&gt; *db*: Major outage'],
    ['discord', '[Investigating] \\<script\\>alert(1)\\</script\\> \\*API\\* @everyone \\<!channel\\> \\[x\\](javascript:y)', '\\<@U1\\> \\*db\\*: Major outage'],
    ['teams', '[Investigating] <script>alert(1)</script> \\*API\\* @everyone <!channel> \\[x\\](javascript:y)', '<@U1> \\*db\\*: Major outage'],
    ['social', '[Investigating] <script>alert(1)</script> *API* @\u2060everyone <!channel> [x](javascript:y)', '<@\u2060U1> *db*: Major outage'],
    ['text', `[Investigating] ${HOSTILE_NAME}`, '<@U1> *db*: Major outage'],
  ] as const)('%s', (format, headline, components) => {
    const formatted = formatMessage(m, format);
    expect(formatted.headline).toBe(headline);
    expect(formatted.components).toBe(components);
    expect(formatted.facts.find((f) => f.label === 'Affected')?.value).toBe(components);
  });
});

describe('templates', () => {
  it('render without stray blank lines', () => {
    const post = renderTemplate('social', 'post', { test: false, statusLabel: 'Resolved', title: 'API', body: '', components: '', window: '', url: 'https://s.example/i/1' });
    expect(post).toBe('[Resolved] API\n\nhttps://s.example/i/1');
  });
});
