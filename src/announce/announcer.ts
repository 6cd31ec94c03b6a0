import { createHash } from 'node:crypto';
import type { PageConfig } from '../config/schema.js';
import type { Incident } from '../status/types.js';
import type { Store } from '../store/index.js';
import { incidentOfCause } from '../status/holds.js';
import { newId } from '../util/ids.js';
import { MINUTE, type Clock } from '../util/time.js';
import { captureComponentChange, captureIncident, captureTest, isPublished } from './capture.js';
import type { ChannelBaseConfig } from './channel-base.js';
import { channelWants, componentChangeImpact, updateEvent, type EventFacts } from './filter.js';
import type { Announcement, Announcements, ComponentStatusChange, EventKind } from './types.js';

/**
 * The same text posted to the same incident (or the same new incident) on the same channel within
 * this window is a double submit, and is announced once. Real updates that repeat themselves
 * ("still investigating") come further apart than this.
 */
export const DOUBLE_SUBMIT_WINDOW_MS = 5 * MINUTE;

export interface AnnouncerOptions {
  page: PageConfig;
  /** The channels under `announce:` (only their filters and deadline are read here). */
  channels: readonly ChannelBaseConfig[];
  clock: Clock;
  /** Called once the writing transaction has committed and rows were written: wakes the dispatcher. */
  onEnqueued?: () => void;
}

/** Turns changes into outbox rows: which channels want the event, what it says, one row each. */
export class Announcer implements Announcements {
  private wakeScheduled = false;

  constructor(
    private readonly store: Store,
    private readonly options: AnnouncerOptions,
  ) {}

  enqueue(kind: EventKind, incidentId: string, by: 'person' | 'system' = 'person'): number {
    if (this.options.channels.length === 0) return 0;
    const incident = this.store.incidents.get(incidentId);
    if (!incident || !isPublished(incident)) return 0;
    const update = incident.updates[0];
    // Statuspage's deliver_notifications: an update written with it off is on the page, and nowhere else.
    if (!update || !update.deliverNotifications) return 0;
    const componentIds = [...new Set([...incident.componentIds, ...update.affectedComponents.map((a) => a.componentId)])];
    const facts: EventFacts = {
      kind,
      componentIds,
      impact: incident.kind === 'maintenance' ? 'maintenance' : (incident.impactOverride ?? incident.impact),
    };
    const targets = this.options.channels.filter((c) => channelWants(c, facts));
    if (targets.length === 0) return 0;
    const now = this.options.clock();
    const announcement = captureIncident(this.store, this.options.page, kind, incident, now);
    // A new incident submitted twice is two incidents with the same words; an update submitted twice is two updates.
    const subject = kind === 'incident.created' || kind === 'maintenance.scheduled' ? `new:${incident.name}:${componentIds.sort().join(',')}` : incident.id;
    // Outpost's own writes repeat their words on purpose (a flapping component's second outage, a
    // relapse to major outage): only a person's write can be a double click.
    const contentKey = by === 'system' ? null : hash(kind, subject, update.status, update.body);
    return this.insert(targets, announcement, { incidentId: incident.id, componentId: null, contentKey, isTest: false }, now);
  }

  incidentUpdated(before: Incident, incidentId: string, by: 'person' | 'system' = 'person'): number {
    const after = this.store.incidents.get(incidentId);
    // A rename or a new impact without an update says nothing new to announce.
    if (!after || after.updates[0]?.id === before.updates[0]?.id) return 0;
    return this.enqueue(updateEvent(after.kind, before.status, after.status), incidentId, by);
  }

  componentChanged(change: ComponentStatusChange): number {
    const facts: EventFacts = { kind: 'component.status', componentIds: [change.componentId], impact: componentChangeImpact(change.from, change.to) };
    // A change an incident or a window made is in that incident's own announcement: a channel that
    // takes those is not told twice (and on X, not outside the incident's thread).
    const incidentId = incidentOfCause(change.cause);
    const incident = incidentId === undefined ? undefined : this.store.incidents.get(incidentId);
    const told = incident && isPublished(incident) ? (c: ChannelBaseConfig) => wantsIncident(c, incident, change.componentId) : () => false;
    const targets = this.options.channels.filter((c) => channelWants(c, facts) && !told(c));
    if (targets.length === 0) return 0;
    const now = this.options.clock();
    const announcement = captureComponentChange(this.store, this.options.page, change, now);
    if (!announcement) return 0;
    // Automation cannot click twice, and a person setting the status it already has changes nothing: no content key.
    return this.insert(targets, announcement, { incidentId: null, componentId: change.componentId, contentKey: null, isTest: false }, now);
  }

  /**
   * A test message to one channel, from the admin, whatever its filters. A second click within the
   * double-submit window is the same test: returns false then.
   */
  sendTest(channelId: string): boolean {
    const channel = this.options.channels.find((c) => c.id === channelId);
    if (!channel) throw new Error(`unknown channel ${channelId}`);
    const now = this.options.clock();
    const announcement = captureTest(this.store, this.options.page, newId(), now);
    return this.insert([channel], announcement, { incidentId: null, componentId: null, contentKey: 'test', isTest: true }, now) > 0;
  }

  /** An operator's retry of a failed row: queued again, with the channel's full deadline from now. */
  retry(seq: number): boolean {
    const row = this.store.outbox.get(seq);
    const channel = row && this.options.channels.find((c) => c.id === row.channelId);
    if (!row || !channel) return false;
    const now = this.options.clock();
    const done = this.store.outbox.requeue(seq, now, now + channel.deadline);
    if (done) this.wake();
    return done;
  }

  private insert(
    channels: readonly ChannelBaseConfig[],
    announcement: Announcement,
    row: { incidentId: string | null; componentId: string | null; contentKey: string | null; isTest: boolean },
    now: number,
  ): number {
    const written = this.store.db.transaction(() => {
      let n = 0;
      for (const channel of channels) {
        const inserted = this.store.outbox.insert(
          {
            eventId: announcement.eventId,
            channelId: channel.id,
            kind: announcement.kind,
            ...row,
            announcement,
            queuedAt: now,
            deadlineAt: now + channel.deadline,
          },
          DOUBLE_SUBMIT_WINDOW_MS,
        );
        if (inserted) n++;
      }
      return n;
    })();
    if (written > 0) this.wake();
    return written;
  }

  /**
   * better-sqlite3 transactions are synchronous: by the time an immediate runs, the writer's outermost
   * transaction has committed (or rolled back, and the dispatcher finds nothing new).
   */
  private wake(): void {
    if (this.wakeScheduled || !this.options.onEnqueued) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      this.options.onEnqueued?.();
    });
  }
}

function hash(...parts: string[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}

const INCIDENT_EVENTS: readonly EventKind[] = ['incident.created', 'incident.updated', 'incident.resolved'];
const MAINTENANCE_EVENTS: readonly EventKind[] = ['maintenance.scheduled', 'maintenance.started', 'maintenance.updated', 'maintenance.completed'];

/** Whether a channel takes the announcements of this incident (or window), which name the component's change. */
function wantsIncident(channel: ChannelBaseConfig, incident: Incident, componentId: string): boolean {
  const componentIds = [...new Set([...incident.componentIds, componentId])];
  const impact = incident.kind === 'maintenance' ? 'maintenance' : (incident.impactOverride ?? incident.impact);
  return (incident.kind === 'maintenance' ? MAINTENANCE_EVENTS : INCIDENT_EVENTS).some((kind) => channelWants(channel, { kind, componentIds, impact }));
}
