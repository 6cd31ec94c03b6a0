import { Feed, type FeedOptions, type Item } from 'feed';
import type { Snapshot } from '../status/snapshot.js';
import type { Incident } from '../status/types.js';
import { escapeHtml } from './escape.js';
import { Dates, statusTitle, UPDATE_STATUS_LABEL } from './format.js';
import { incidentFingerprint } from './fingerprint.js';
import { renderMarkdown } from './markdown.js';

export const FEED_ITEMS = 50;

/**
 * The incident history as RSS 2.0 and Atom 1.0, in the shape of Statuspage's own feeds: one item per
 * incident or maintenance, its whole update trail newest first as the item's HTML.
 *
 * Every title is HTML-escaped here: Atom titles are declared type="html" and many RSS readers treat
 * titles as HTML, so an incident named <script> must arrive as text. Bodies are Markdown rendered
 * with raw HTML escaped, so neither can contain a literal "]]>" to break the CDATA the library writes.
 */
export class FeedRenderer {
  private last: { fingerprint: string; feeds: { rss: string; atom: string } } | undefined;

  /** The feeds change only when an incident does; a status change elsewhere reuses the last rendering. */
  render(s: Snapshot): { rss: string; atom: string } {
    const items = [...s.incidents, ...s.maintenances].sort((a, b) => latestActivity(b) - latestActivity(a)).slice(0, FEED_ITEMS);
    const fingerprint = items.map(incidentFingerprint).join('\u0001');
    if (this.last?.fingerprint !== fingerprint) this.last = { fingerprint, feeds: renderFeeds(s, items) };
    return this.last.feeds;
  }
}

export function renderFeeds(s: Snapshot, items: Incident[]): { rss: string; atom: string } {
  const base = s.page.url.replace(/\/$/, '');
  const dates = Dates.for(s.page.time_zone);
  // A tag URI names a host, never a port (RFC 4151): http://localhost:3000 is tag:localhost,....
  const host = new URL(s.page.url).hostname;
  const title = `${statusTitle(s.page.name)} - Incident History`;
  const options: FeedOptions = {
    title,
    description: `Statuspage-style incident history for ${s.page.name}`,
    id: `tag:${host},2005:/history`,
    link: `${base}/`,
    language: 'en',
    // The feed is the incident history: it was last updated by its newest item, not by a status change.
    updated: new Date(items[0] ? latestActivity(items[0]) : s.updatedAt),
    generator: 'Outpost',
    copyright: '',
    author: { name: s.page.name },
    feedLinks: { rss: `${base}/history.rss`, atom: `${base}/history.atom` },
  };
  const rss = new Feed(options);
  const atom = new Feed(options);
  for (const incident of items) {
    const link = `${base}/incidents/${incident.id}`;
    const trail = updateTrail(incident, dates);
    const common = { title: escapeHtml(incident.name), link, date: new Date(latestActivity(incident)), published: new Date(incident.createdAt) };
    // RSS: guid is the incident page (isPermaLink), as in Statuspage's feed.
    rss.addItem({ ...common, description: trail } satisfies Item);
    atom.addItem({ ...common, id: `tag:${host},2005:Incident/${incident.id}`, content: trail } satisfies Item);
  }
  return { rss: rss.rss2(), atom: atom.atom1() };
}

function latestActivity(i: Incident): number {
  return Math.max(i.updatedAt, i.updates[0]?.displayAt ?? 0);
}

/**
 * "<p><small>22 Nov 2026, 14:05 CET</small><br><strong>Resolved</strong> - body</p>", newest first:
 * the status leads the body's first paragraph, as in Statuspage's feed; a body that opens with
 * something else (a list, a code block) follows a paragraph of its own.
 */
function updateTrail(incident: Incident, dates: Dates): string {
  const parts: string[] = [];
  if (incident.kind === 'maintenance' && incident.scheduledFor !== null && incident.scheduledUntil !== null) {
    parts.push(`<p><strong>THIS IS A SCHEDULED EVENT ${escapeHtml(dates.at(incident.scheduledFor))} - ${escapeHtml(dates.at(incident.scheduledUntil))}</strong></p>`);
  }
  if (incident.postmortemBody && incident.postmortemPublishedAt !== null) {
    parts.push(`<p><small>${escapeHtml(dates.at(incident.postmortemPublishedAt))}</small><br><strong>Postmortem</strong></p>${renderMarkdown(incident.postmortemBody)}`);
  }
  for (const u of incident.updates) {
    const head = `<p><small>${escapeHtml(dates.at(u.displayAt))}</small><br><strong>${UPDATE_STATUS_LABEL[u.status]}</strong>`;
    const body = renderMarkdown(u.body);
    parts.push(body.startsWith('<p>') ? `${head} - ${body.slice('<p>'.length)}` : `${head}</p>${body}`);
  }
  return parts.join('\n');
}
