import { Eta } from 'eta';
import { join } from 'node:path';
import { Dates, IMPACT_LABEL, STATUS_LABEL, UPDATE_STATUS_LABEL } from '../render/format.js';
import type { ComponentStatus, Impact } from '../status/types.js';
import { projectRoot } from '../util/paths.js';
import { clip, convertMarkdown, ESCAPE, type TextFormat } from './markdown.js';
import type { Announcement, EventKind } from './types.js';

/**
 * An announcement as a neutral message every channel lays out in its own way: the same headline,
 * facts, body and link, from the same templates (views/announce/*.eta). Channel code places the
 * pieces into its payload; it never builds sentences itself.
 */

/** Severity that picks colours: an incident's impact, or how a maintenance or a status change stands. */
export type Tone = 'critical' | 'major' | 'minor' | 'none' | 'maintenance' | 'resolved';

export interface MessageComponent {
  name: string;
  status: ComponentStatus;
  statusLabel: string;
}

export interface Message {
  kind: EventKind;
  subject: 'incident' | 'maintenance' | 'component';
  test: boolean;
  /** Incident, maintenance or component name, as the operator wrote it. */
  title: string;
  status: string;
  statusLabel: string;
  /** Impact of an incident; null for maintenance and component changes. */
  impact: Impact | null;
  impactLabel: string | null;
  tone: Tone;
  components: MessageComponent[];
  /** The operator's Markdown (or, for a component change, a sentence saying what changed). */
  body: string;
  /** The incident's page, or the status page for a component change. */
  url: string;
  /** What a button to `url` says. */
  linkLabel: string;
  /** A maintenance window in the page's time zone, as its two ends. */
  window: { from: string; until: string } | null;
  at: number;
  /** `at` in the page's time zone: "22 Nov 2026, 14:05 CET". */
  atLabel: string;
  pageName: string;
  pageUrl: string;
  /** The plain one-line headline: "[Investigating] API latency". */
  headline: string;
}

/** A message's text pieces in one channel format, escaped or converted for it. */
export interface FormattedMessage {
  headline: string;
  body: string;
  /** "API: Partial outage, Website: Operational"; empty when none. */
  components: string;
  /** "22 Nov 2026, 14:00 CET – 22 Nov 2026, 16:00 CET"; empty when none. */
  window: string;
  /** Page name, time, and the test marker. */
  footer: string;
  /** Label and value pairs (status, impact, components, window) for fields and fact sets. */
  facts: Array<{ label: string; value: string }>;
}

export const FACT_LABELS = { status: 'Status', impact: 'Impact', components: 'Affected', window: 'Window' } as const;

const LINK_LABELS = { incident: 'View incident', maintenance: 'View maintenance', component: 'View status page' } as const;

// ---------------------------------------------------------------- templates

/**
 * One template engine per format: `<%= %>` applies the format's escaping (Slack's entities,
 * Markdown backslashes, defused @mentions), `<%~ %>` inserts text already converted. No trimming:
 * line breaks are the message's, and control tags end with `-%>` where a line must vanish.
 */
const engines = new Map<TextFormat, Eta>();

function engine(format: TextFormat): Eta {
  let eta = engines.get(format);
  if (!eta) {
    const escape = ESCAPE[format];
    eta = new Eta({
      views: join(projectRoot, 'views', 'announce'),
      cache: true,
      autoEscape: format !== 'text',
      escapeFunction: (value: unknown) => escape(String(value)),
      autoTrim: false,
    });
    engines.set(format, eta);
  }
  return eta;
}

/** Renders views/announce/<name>.eta for `format`, without surrounding blank lines. */
export function renderTemplate(format: TextFormat, name: string, data: object): string {
  return engine(format)
    .render(`./${name}`, data)
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

// ---------------------------------------------------------------- the model

const TONE_BY_STATUS: Record<ComponentStatus, Tone> = {
  operational: 'resolved',
  degraded_performance: 'minor',
  partial_outage: 'major',
  major_outage: 'critical',
  under_maintenance: 'maintenance',
};

const DONE = new Set(['resolved', 'postmortem', 'completed']);

/** Pure: the same announcement always gives the same message. */
export function buildMessage(a: Announcement): Message {
  const dates = Dates.for(a.page.timeZone);
  const common = {
    kind: a.kind,
    test: a.test === true,
    at: a.at,
    atLabel: dates.at(a.at),
    pageName: a.page.name,
    pageUrl: a.page.url,
  };
  let message: Omit<Message, 'headline'>;
  if (a.incident) {
    const incident = a.incident;
    const maintenance = incident.kind === 'maintenance';
    const status = incident.update.status;
    const impact = incident.impact === 'maintenance' || maintenance ? null : incident.impact;
    message = {
      ...common,
      subject: maintenance ? 'maintenance' : 'incident',
      title: incident.name,
      status,
      statusLabel: UPDATE_STATUS_LABEL[status],
      impact,
      impactLabel: impact === null ? null : IMPACT_LABEL[impact],
      tone: DONE.has(status) ? 'resolved' : maintenance ? 'maintenance' : (impact ?? 'none'),
      components: incident.components.map((c) => ({ name: c.name, status: c.status, statusLabel: STATUS_LABEL[c.status] })),
      body: incident.update.body,
      url: incident.url,
      linkLabel: LINK_LABELS[maintenance ? 'maintenance' : 'incident'],
      window:
        incident.scheduledFor !== null && incident.scheduledUntil !== null
          ? { from: dates.at(incident.scheduledFor), until: dates.at(incident.scheduledUntil) }
          : null,
    };
  } else if (a.component) {
    const change = a.component;
    message = {
      ...common,
      subject: 'component',
      title: change.name,
      status: change.newStatus,
      statusLabel: STATUS_LABEL[change.newStatus],
      impact: null,
      impactLabel: null,
      tone: TONE_BY_STATUS[change.newStatus],
      components: [{ name: change.name, status: change.newStatus, statusLabel: STATUS_LABEL[change.newStatus] }],
      body: renderTemplate('markdown', 'component-change', {
        name: change.name,
        // Mid-sentence: "is now major outage (it was operational)".
        newStatus: STATUS_LABEL[change.newStatus].toLowerCase(),
        oldStatus: STATUS_LABEL[change.oldStatus].toLowerCase(),
      }),
      url: a.page.url,
      linkLabel: LINK_LABELS.component,
      window: null,
    };
  } else {
    throw new Error(`announcement ${a.eventId} has neither an incident nor a component`);
  }
  return { ...message, headline: renderTemplate('text', 'headline', message) };
}

/** The message's pieces in `format`; `bodyMax` clips the converted body (in UTF-16 units). */
export function formatMessage(message: Message, format: TextFormat, bodyMax = Infinity): FormattedMessage {
  const components = message.subject === 'component' ? '' : renderTemplate(format, 'components', message);
  const window = message.window ? renderTemplate(format, 'window', message.window) : '';
  const facts: FormattedMessage['facts'] = [{ label: FACT_LABELS.status, value: ESCAPE[format](message.statusLabel) }];
  if (message.impactLabel) facts.push({ label: FACT_LABELS.impact, value: ESCAPE[format](message.impactLabel) });
  if (components) facts.push({ label: FACT_LABELS.components, value: components });
  if (window) facts.push({ label: FACT_LABELS.window, value: window });
  return {
    headline: renderTemplate(format, 'headline', message),
    body: clip(convertMarkdown(message.body, format, message.pageUrl), bodyMax, format),
    components,
    window,
    footer: renderTemplate(format, 'footer', { pageName: message.pageName, at: message.atLabel, test: message.test }),
    facts,
  };
}
