import type { Store } from '../store/index.js';
import type { OutboxState } from '../store/outbox.js';
import type { Incident } from '../status/types.js';

/**
 * What a write did, said on the page it leads to, so that an operator posting under stress knows it
 * went through and where its announcement stands. The redirect after a write carries
 * `?done=<what>[&update=<update id>]`; a reload says it again, which is true still.
 */
export const DONE = {
  created: 'Incident created.',
  posted: 'Update posted.',
  resolved: 'Incident resolved.',
  corrected: 'Update corrected. A correction is shown on the page and not announced again.',
  deleted: 'Update deleted. Announcements already sent of it stay where they went.',
  published: 'Incident published.',
  postmortem: 'Postmortem saved.',
  scheduled: 'Maintenance scheduled.',
  rescheduled: 'Maintenance window changed.',
  cancelled: 'Maintenance cancelled.',
} as const;
export type Done = keyof typeof DONE;

/** The writes that make an update (whose announcement the notice reports): its newest, after the write. */
const MAKES_UPDATE: ReadonlySet<Done> = new Set(['created', 'posted', 'resolved', 'published', 'scheduled', 'cancelled']);

/** The page's address with what was done to `result`, and the update it made, if it made one. */
export function doneLocation(page: string, done: Done, result: Incident): string {
  const updateId = MAKES_UPDATE.has(done) ? result.updates[0]?.id : undefined;
  return `${page}?done=${done}${updateId === undefined ? '' : `&update=${encodeURIComponent(updateId)}`}`;
}

export interface DoneNotice {
  text: string;
  /** For a write that made an update: each channel that took it, and where its delivery stands. */
  announced: { channelId: string; state: OutboxState }[] | null;
  /** Why nothing was announced, when nothing was. */
  silence: string | null;
}

/** The notice for `query` on `incident`'s page, or null when the address carries none (or nonsense). */
export function doneNotice(store: Store, incident: Incident, query: unknown, channels: number): DoneNotice | null {
  const q = (query ?? {}) as Record<string, unknown>;
  if (typeof q.done !== 'string' || !Object.hasOwn(DONE, q.done)) return null;
  const text = DONE[q.done as Done];
  const update = typeof q.update === 'string' ? incident.updates.find((u) => u.id === q.update) : undefined;
  if (!update) return { text, announced: null, silence: null };
  const announced = store.outbox.forUpdate(update.id);
  let silence: string | null = null;
  if (announced.length === 0) {
    if (!incident.published) silence = 'Not announced: a draft is announced when it is published.';
    else if (!update.deliverNotifications) silence = 'Not announced: “Announce on the configured channels” was off.';
    else if (channels === 0) silence = 'Not announced: no announcement channel is configured.';
    else silence = 'Not announced: no channel takes this kind of event (see each channel’s events).';
  }
  return { text, announced, silence };
}
