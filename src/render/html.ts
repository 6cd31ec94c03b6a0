import { Eta } from 'eta';
import { join } from 'node:path';
import { occurredAt, type ComponentView, type Snapshot } from '../status/snapshot.js';
import type { Incident, IncidentUpdate } from '../status/types.js';
import { projectRoot } from '../util/paths.js';
import { isoInZone } from '../util/time.js';
import { Dates, IMPACT_LABEL, INDICATOR_CLASS, percent, duration, STATUS_CLASS, STATUS_LABEL, statusTitle, UPDATE_STATUS_LABEL } from './format.js';
import { LATENCY_HOURS, latencyChart } from './latency-chart.js';
import { renderMarkdown } from './markdown.js';
import { incidentFingerprint } from './fingerprint.js';
import { escapeHtml } from './escape.js';
import type { DayIncident, UptimeDay } from '../status/uptime.js';

/** Months per page of /history, as on Statuspage. */
export const HISTORY_MONTHS_PER_PAGE = 3;
/** Updates shown per incident on the front page before "full timeline". */
const FRONT_PAGE_UPDATES = 3;

export interface HtmlPages {
  /** Path (with query for history pages) to HTML. */
  pages: Map<string, string>;
  notFound: string;
}

/**
 * Renders the public HTML from a snapshot. The front page is rendered on every rebuild; incident and
 * history pages are memoised by a fingerprint of what they show, so a rebuild after one update
 * re-renders only the pages that update touches.
 */
export class HtmlRenderer {
  private readonly eta: Eta;
  private readonly memo = new Map<string, { deps: readonly unknown[]; html: string }>();
  private readonly cards = new Map<string, string>();

  constructor(
    private readonly assetVersion: string,
    viewsDir = join(projectRoot, 'views'),
  ) {
    this.eta = new Eta({ views: viewsDir, cache: true, autoEscape: true, autoTrim: [false, 'nl'] });
  }

  render(s: Snapshot): HtmlPages {
    // An incident card on the front page shows what its fingerprint covers, in the page's zone and
    // with so many updates: rendered once, not on every rebuild (dozens of cards, each a Markdown trail).
    const tz = s.page.time_zone;
    if (this.cards.size >= 5_000) this.cards.clear();
    const renderCard = (i: Incident, card: () => object, limit: number, level: CardLevel): string => {
      const key = `${tz}|${limit}|${level}|${incidentFingerprint(i)}`;
      let html = this.cards.get(key);
      if (html === undefined) this.cards.set(key, (html = this.eta.render('./partials/incident-card', card())));
      return html;
    };
    const pages = new Map<string, string>();
    const seen = new Set<string>();
    // Pages, and the front page's component blocks, are rendered again only when an input changed.
    // `deps` are compared one by one: fingerprints are the same string objects from one build to the
    // next (memoised per incident), so a page whose incidents did not change costs a few pointer checks.
    // Entries not asked for in a build are dropped at its end.
    const memoised = (key: string, deps: readonly unknown[], render: () => string) => {
      seen.add(key);
      const hit = this.memo.get(key);
      if (hit && hit.deps.length === deps.length && hit.deps.every((d, i) => d === deps[i])) return hit.html;
      const html = render();
      this.memo.set(key, { deps, html });
      return html;
    };
    // After a status change, one or two of fifty component blocks go through the template.
    const renderComponent = (id: string, deps: readonly unknown[], view: () => object): string =>
      memoised(`component:${id}`, deps, () => this.eta.render('./partials/component', view()));
    const ctx = new ViewContext(s, renderCard, renderComponent);
    const pageTitle = statusTitle(s.page.name);
    const layout = (title: string, description: string) => ({
      title,
      description,
      pageName: s.page.name,
      supportUrl: s.page.support_url ?? null,
      demo: s.demo,
      timeZone: s.page.time_zone,
      assetVersion: this.assetVersion,
    });

    pages.set('/', this.eta.render('./index', { layout: layout(pageTitle, `${s.status.description}. Current status and incident history of ${s.page.name}.`), ...ctx.frontPage() }));

    for (const incident of [...s.incidents, ...s.maintenances]) {
      const key = `/incidents/${incident.id}`;
      pages.set(
        key,
        memoised(key, [incidentFingerprint(incident)], () =>
          this.eta.render('./incident', { layout: layout(`${incident.name} · ${pageTitle}`, `${UPDATE_STATUS_LABEL[incident.status]}: ${incident.name}`), ...ctx.incidentPage(incident) }),
        ),
      );
    }

    const history = ctx.historyPages();
    history.forEach((page, i) => {
      const key = i === 0 ? '/history' : `/history?page=${i + 1}`;
      const deps = [history.length, ...page.flatMap((m) => [m.key, m.incidents.length, ...m.incidents.map(incidentFingerprint)])];
      pages.set(
        key,
        memoised(key, deps, () =>
          this.eta.render('./history', {
            layout: layout(`Incident history · ${pageTitle}`, `Past incidents and maintenance of ${s.page.name}.`),
            months: page.map((m) => ({ key: m.key, label: ctx.dates.monthName(m.key), items: m.incidents.map((inc) => ctx.historyItem(inc)) })),
            pageNumber: i + 1,
            pageCount: history.length,
            newer: i === 0 ? null : i === 1 ? '/history' : `/history?page=${i}`,
            older: i + 1 < history.length ? `/history?page=${i + 2}` : null,
          }),
        ),
      );
    });
    for (const key of this.memo.keys()) if (!seen.has(key)) this.memo.delete(key);

    return { pages, notFound: this.eta.render('./not-found', { layout: layout(`Not found · ${pageTitle}`, 'Page not found') }) };
  }
}


/** Turns snapshot data into the plain, pre-formatted values the templates print. */
class ViewContext {
  readonly dates: Dates;

  constructor(
    private readonly s: Snapshot,
    private readonly renderCard: (i: Incident, card: () => object, limit: number, level: CardLevel) => string,
    private readonly renderComponent: (id: string, deps: readonly unknown[], view: () => object) => string,
  ) {
    this.dates = Dates.for(s.page.time_zone);
  }

  /** A card for the front page, as HTML; its title an h3 under a section's h2, an h4 under a day's h3. */
  cardHtml(i: Incident, updates = FRONT_PAGE_UPDATES, level: CardLevel = 3): string {
    return this.renderCard(i, () => ({ ...this.card(i, updates), level }), updates, level);
  }

  private name(componentId: string): string {
    return this.s.componentsById.get(componentId)?.name ?? componentId;
  }

  update(u: IncidentUpdate) {
    return {
      statusLabel: UPDATE_STATUS_LABEL[u.status],
      iso: this.dates.datetime(u.displayAt),
      when: this.dates.at(u.displayAt),
      bodyHtml: renderMarkdown(u.body),
      affected: u.affectedComponents.map((a) => `${this.name(a.componentId)} (${STATUS_LABEL[a.newStatus].toLowerCase()})`),
    };
  }

  card(i: Incident, updates = FRONT_PAGE_UPDATES) {
    const shown = i.updates.slice(0, updates);
    return {
      id: i.id,
      name: i.name,
      impact: i.impactOverride ?? i.impact,
      window: this.window(i),
      componentNames: i.componentIds.filter((id) => this.s.componentsById.has(id)).map((id) => this.name(id)),
      shownUpdates: shown.map((u) => this.update(u)),
      moreUpdates: i.updates.length - shown.length,
    };
  }

  private window(i: Incident): string | null {
    if (i.scheduledFor === null || i.scheduledUntil === null) return null;
    return `${this.dates.at(i.scheduledFor)} – ${this.dates.at(i.scheduledUntil)}`;
  }

  frontPage() {
    const s = this.s;
    return {
      indicatorClass: INDICATOR_CLASS[s.status.indicator],
      statusDescription: s.status.description,
      updatedIso: this.dates.datetime(s.updatedAt),
      updatedWhen: this.dates.at(s.updatedAt),
      monitoringInterrupted: s.monitoring.interrupted && s.monitoring.since !== null ? this.dates.at(s.monitoring.since) : null,
      activeIncidents: s.unresolvedIncidents.map((i) => this.cardHtml(i)),
      activeMaintenances: s.activeMaintenances.map((i) => this.cardHtml(i)),
      upcomingMaintenances: s.upcomingMaintenances.map((i) => this.cardHtml(i, 1)),
      tree: s.tree.filter((c) => c.isGroup || shown(c)).map((c) =>
        c.isGroup
          ? { name: c.name, statusClass: STATUS_CLASS[c.effectiveStatus], statusLabel: STATUS_LABEL[c.effectiveStatus], children: c.children.filter(shown).map((child) => this.componentHtml(child)) }
          : { html: this.componentHtml(c) },
      ).filter((c) => c.children === undefined || c.children.length > 0),
      recentDays: s.recentDays.map((d) => ({ label: this.dates.day(d.day), items: d.items.map((i) => this.cardHtml(i, Number.MAX_SAFE_INTEGER, 4)) })),
    };
  }

  /** A component's block on the front page, as HTML: rendered only when one of its inputs changed. */
  componentHtml(c: ComponentView): string {
    const [pastBars, todayBar] = c.uptime ? this.bars(c.uptime.days) : [null, null];
    const uptime90 = percent(c.uptime?.uptime90 ?? null);
    const uptime30 = percent(c.uptime?.uptime30 ?? null);
    const chart = c.latency ? latencyChart(c.name, c.latency, LATENCY_HOURS, this.s.generatedAt, (ms) => this.dates.at(ms)) : '';
    const days = c.uptime?.days.length ?? 0;
    const deps = [c.name, c.description, c.effectiveStatus, pastBars, todayBar, uptime90, uptime30, chart, days];
    for (const a of c.affectedBy) deps.push(a.id, a.name, a.status);
    return this.renderComponent(c.id, deps, () => ({
      id: c.id,
      name: c.name,
      description: c.description,
      statusClass: STATUS_CLASS[c.effectiveStatus],
      statusLabel: STATUS_LABEL[c.effectiveStatus],
      affectedBy: c.affectedBy.map((a) => ({ id: a.id, name: a.name, label: STATUS_LABEL[a.status].toLowerCase() })),
      uptime90,
      uptime30,
      latencyChart: chart,
      days,
      barsHtml: pastBars === null ? null : pastBars + todayBar,
    }));
  }

  /**
   * The uptime bars. Runs of quiet days (no downtime, no incident; or no data) are one element
   * drawn as that many bars by CSS (`n<count>` sets the span), with one text for the run: the page
   * of 50 components shrinks from 4,500 list items to a few hundred, and a screen reader hears
   * "1 Sept – 21 Oct: no downtime" once instead of 51 times. Runs never cross the 30-day line
   * (phones show the last 30 days) and every element is memoised by what it shows.
   */
  private bars(days: UptimeDay[]): [past: string, today: string] {
    const recentFrom = days.length - PHONE_DAYS;
    const today = days.length - 1;
    // The days before today come from the snapshot's memo as the same objects until they change:
    // their markup is kept with the first of them. Today is always an element of its own.
    const first = days[0]!;
    let past = pastBarsCache.get(first);
    if (past === undefined || past.count !== today || past.last !== days[today - 1]) {
      let html = '';
      for (let i = 0; i < today; ) {
        let j = i + 1;
        const quiet = quietKind(days[i]!);
        if (quiet) while (j < today && j !== recentFrom && quietKind(days[j]!) === quiet) j++;
        html += this.barRun(days, i, j, quiet, recentFrom);
        i = j;
      }
      past = { html, count: today, last: days[today - 1] };
      pastBarsCache.set(first, past);
    }
    return [past.html, this.barRun(days, today, days.length, quietKind(days[today]!), recentFrom)];
  }

  /** Days [from, to) as one element: several only when they are all quiet of the same kind. */
  private barRun(days: UptimeDay[], from: number, to: number, quiet: 'ok' | 'nd' | null, recentFrom: number): string {
    const first = days[from]!;
    const last = days[to - 1]!;
    // Where the text opens: from the left edge near the start, the right edge near the end (on a
    // phone it spans the whole row instead).
    const edge = from < TOOLTIP_EDGE_DAYS ? ' l' : to > days.length - TOOLTIP_EDGE_DAYS ? ' r' : '';
    const classes = `${from < recentFrom ? ' o' : ''}${to - from > 1 ? ` n${to - from}` : ''}${edge}`;
    const d = first;
    const key = `${this.s.page.time_zone}|${d.day}|${last.day}|${d.uptime}|${d.worst}|${d.downSeconds}|${d.incidents.map((i) => `${i.kind}\u0001${i.id}\u0001${i.name}`).join('\u0002')}|${classes}`;
    let html = barCache.get(key);
    if (html === undefined) {
      const label = to - from > 1 ? `${this.dates.shortDay(first.day)} – ${this.dates.shortDay(last.day)}` : this.dates.shortDay(d.day);
      let cls = 'nd';
      let text = `${label}: no data`;
      if (quiet === 'ok') {
        cls = 'op';
        text = `${label}: no downtime`;
      } else if (quiet === null) {
        // Something to say: the day's figures where it was tracked, and what was posted about it
        // (an incident on a component with no data yet is named all the same).
        const parts = [text];
        if (d.uptime !== null && d.worst !== null) {
          parts[0] = d.uptime === 1 ? `${label}: no downtime` : `${label}: ${percent(d.uptime)} uptime`;
          if (d.worst !== 'operational') parts.push(`worst status ${STATUS_LABEL[d.worst].toLowerCase()}`);
          if (d.downSeconds > 0) parts.push(`${duration(d.downSeconds)} down`);
          cls = STATUS_CLASS[d.worst];
        }
        const named = (kind: DayIncident['kind']) => d.incidents.filter((i) => i.kind === kind).map((i) => i.name);
        if (named('incident').length > 0) parts.push(`incidents: ${named('incident').join('; ')}`);
        if (named('maintenance').length > 0) parts.push(`maintenance: ${named('maintenance').join('; ')}`);
        text = parts.join(', ');
      }
      // A day with something to say takes the focus, so that a keyboard or a tap shows its text as
      // hovering does; quiet runs ("no downtime") are not worth a stop each.
      html = `<li class="u-${cls}${classes}"${quiet === null ? ' tabindex="0"' : ''}><span>${escapeHtml(text)}</span></li>`;
      if (barCache.size >= 50_000) barCache.clear();
      barCache.set(key, html);
    }
    return html;
  }

  incidentPage(i: Incident) {
    return {
      incident: this.card(i, Number.MAX_SAFE_INTEGER),
      kindLabel: i.kind === 'maintenance' ? 'Scheduled maintenance' : 'Incident',
      statusLabel: UPDATE_STATUS_LABEL[i.status],
      impactLabel: IMPACT_LABEL[i.impactOverride ?? i.impact],
      postmortemHtml: i.postmortemBody && i.postmortemPublishedAt !== null ? renderMarkdown(i.postmortemBody) : null,
      postmortemWhen: i.postmortemPublishedAt !== null ? this.dates.at(i.postmortemPublishedAt) : null,
    };
  }

  historyItem(i: Incident) {
    const first = i.updates.at(-1);
    const resolved = i.resolvedAt !== null ? ` – resolved ${this.dates.at(i.resolvedAt)}` : '';
    const impact = i.impactOverride ?? i.impact;
    // The impact in words too: the list item's border colour alone says nothing to some readers.
    const impactText = impact === 'none' ? IMPACT_LABEL.none : `${IMPACT_LABEL[impact]} impact`;
    return {
      id: i.id,
      name: i.name,
      impact,
      summary: i.kind === 'maintenance' ? `Maintenance, ${this.window(i)}` : `${impactText}${first ? `, ${this.dates.at(first.displayAt)}` : ''}${resolved}`,
    };
  }

  /** Pages of months, newest first, from this month back to the month of the oldest incident. */
  historyPages(): { key: string; incidents: Incident[] }[][] {
    const tz = this.s.page.time_zone;
    const monthOf = (ms: number) => isoInZone(ms, tz).slice(0, 7);
    const all = [...this.s.incidents, ...this.s.maintenances.filter((m) => m.status !== 'scheduled')].sort((a, b) => occurredAt(b) - occurredAt(a));
    const byMonth = new Map<string, Incident[]>();
    for (const i of all) {
      const key = monthOf(occurredAt(i));
      const list = byMonth.get(key);
      if (list) list.push(i);
      else byMonth.set(key, [i]);
    }
    const newest = monthOf(this.s.generatedAt);
    const oldest = all.length > 0 ? [...byMonth.keys()].sort()[0]! : newest;
    const months: { key: string; incidents: Incident[] }[] = [];
    for (let key = newest; key >= oldest && months.length < 1200; key = previousMonth(key)) {
      months.push({ key, incidents: byMonth.get(key) ?? [] });
    }
    const pages: { key: string; incidents: Incident[] }[][] = [];
    for (let i = 0; i < months.length; i += HISTORY_MONTHS_PER_PAGE) pages.push(months.slice(i, i + HISTORY_MONTHS_PER_PAGE));
    return pages;
  }
}

/** The heading level of an incident card's title. */
type CardLevel = 3 | 4;

const barCache = new Map<string, string>();
/** The bars before today, by the first of those days (see bars()). */
const pastBarsCache = new WeakMap<UptimeDay, { html: string; count: number; last: UptimeDay | undefined }>();

/** Phones show the last 30 days of bars (style.css hides elements marked `o`). */
const PHONE_DAYS = 30;
/** Elements starting (or ending) this close to an end open their tooltip from that edge. */
const TOOLTIP_EDGE_DAYS = 20;

/** A day that says nothing on its own: fully up without incidents ('ok'), or untracked ('nd'). */
function quietKind(d: UptimeDay): 'ok' | 'nd' | null {
  if (d.uptime === null || d.worst === null) return d.incidents.length === 0 ? 'nd' : null;
  return d.uptime === 1 && d.worst === 'operational' && d.incidents.length === 0 ? 'ok' : null;
}

function shown(c: ComponentView): boolean {
  return !c.onlyShowIfDegraded || c.effectiveStatus !== 'operational';
}

function previousMonth(key: string): string {
  const [y, m] = key.split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}
