import type { Dispatcher } from 'undici';
import type { ComponentStatus, Impact, Incident, IncidentKind, IncidentStatus, MaintenanceStatus } from '../status/types.js';

/**
 * The contract between the outbox and the channels. An announcement is captured when its event is
 * written (in the same transaction), stored as JSON in the outbox row, and handed to a channel at
 * delivery time exactly as captured: a retry an hour later says what was true when it happened.
 */

export const EVENT_KINDS = [
  'incident.created',
  'incident.updated',
  'incident.resolved',
  'maintenance.scheduled',
  'maintenance.started',
  'maintenance.updated',
  'maintenance.completed',
  'component.status',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export interface AnnouncedComponent {
  id: string;
  name: string;
  /** The component's status as this update left it. */
  status: ComponentStatus;
}

export interface AnnouncedIncident {
  id: string;
  kind: IncidentKind;
  name: string;
  status: IncidentStatus | MaintenanceStatus;
  /** 'maintenance' for maintenance windows, as in Statuspage's JSON. */
  impact: Impact | 'maintenance';
  /** Absolute URL of the incident's public page. */
  url: string;
  createdAt: number;
  scheduledFor: number | null;
  scheduledUntil: number | null;
  /** The update this event announces. `body` is the operator's Markdown, unrendered. */
  update: { id: string; status: IncidentStatus | MaintenanceStatus; body: string; at: number };
  components: AnnouncedComponent[];
  /**
   * The incident as Statuspage's public API v2 serialises it at this moment (incident_updates newest
   * first, components), for the generic webhook's body.
   */
  statuspage: Record<string, unknown>;
}

export interface AnnouncedComponentChange {
  id: string;
  name: string;
  oldStatus: ComponentStatus;
  newStatus: ComponentStatus;
  at: number;
  /** The component as Statuspage's public API v2 serialises it, for the generic webhook's body. */
  statuspage: Record<string, unknown>;
}

export interface Announcement {
  /** Unique per event; with the channel id it is the idempotency key sent where a channel supports one. */
  eventId: string;
  kind: EventKind;
  at: number;
  page: { id: string; name: string; url: string; timeZone: string; indicator: string; description: string };
  incident?: AnnouncedIncident;
  component?: AnnouncedComponentChange;
  /** A test message sent from the admin: channels say so in the text. */
  test?: boolean;
}

export interface DeliveryContext {
  /** undici dispatcher to send with (tests and the dispatcher's timeouts). */
  dispatcher: Dispatcher;
  signal: AbortSignal;
  now: number;
  /** Idempotency key for this (event, channel) delivery: the same on every retry. */
  idempotencyKey: string;
  /**
   * Threading: the remote id (tweet id, Mastodon status id) of this channel's latest delivered
   * post about the same incident, if any. Later updates are posted as replies to it.
   */
  replyTo?: string;
}

export type DeliveryResult =
  | { ok: true; status: number; /** Remote post id, kept for threading replies. */ remoteId?: string }
  | {
      ok: false;
      /** 5xx, 429, timeouts and connection errors are retryable; other 4xx are permanent. */
      retryable: boolean;
      status?: number;
      /** Short, secret-free: shown in the admin's delivery log. */
      error: string;
      /** From Retry-After or a rate-limit reset header, when the receiver said when to come back. */
      retryAfterMs?: number;
    };

/** One configured destination. Rendering the payload is pure; `deliver` sends it. */
export interface Channel {
  readonly id: string;
  readonly type: string;
  deliver(announcement: Announcement, ctx: DeliveryContext): Promise<DeliveryResult>;
}

/**
 * What writers call to announce a change, inside the transaction that writes it, so the outbox rows
 * commit or roll back with the change. The store carries one (`store.announcer`): every writer (the
 * admin, the API, maintenance windows, automatic incidents) announces without being wired up.
 * Each returns how many outbox rows it wrote (0 when no channel wants the event).
 */
export interface Announcements {
  /**
   * Announces the incident's latest update as `kind`, e.g. enqueue('incident.created', id) when a
   * draft is published. `by` says who wrote it: a person may click twice and is deduplicated; the
   * system (automatic incidents, maintenance steps) cannot, and repeats itself on purpose.
   */
  enqueue(kind: EventKind, incidentId: string, by?: 'person' | 'system'): number;
  /** After an update was written to an incident: works out the event from the incident as it was before. */
  incidentUpdated(before: Incident, incidentId: string, by?: 'person' | 'system'): number;
  /** A component's shown status changed (automation or a person). */
  componentChanged(change: ComponentStatusChange): number;
}

export interface ComponentStatusChange {
  componentId: string;
  from: ComponentStatus;
  to: ComponentStatus;
  at: number;
  /** What made it ("incident <id>..." for an incident's or a window's holds: src/status/holds.ts). */
  cause: string;
}

/** Announces nothing: no channels configured, or a store opened by a command-line tool. */
export const NO_ANNOUNCEMENTS: Announcements = { enqueue: () => 0, incidentUpdated: () => 0, componentChanged: () => 0 };
