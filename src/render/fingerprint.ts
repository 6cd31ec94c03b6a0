import type { Incident } from '../status/types.js';

/**
 * Everything about an incident that its renderings show, as one string: renderings memoised under
 * an equal fingerprint are reused. Texts are included whole, so an edit within the same millisecond
 * (a typo fixed at once) is never missed.
 */
export function incidentFingerprint(i: Incident): string {
  // The store hands out the same Incident objects until one changes, and a changed one is a new object.
  let fingerprint = remembered.get(i);
  if (fingerprint === undefined) remembered.set(i, (fingerprint = compute(i)));
  return fingerprint;
}

const remembered = new WeakMap<Incident, string>();

function compute(i: Incident): string {
  const updates = i.updates.map((u) => `${u.id}|${u.status}|${u.displayAt}|${u.updatedAt}|${u.affectedComponents.map((a) => `${a.componentId}>${a.newStatus}`).join('+')}|${u.body}`);
  return [i.id, i.name, i.status, i.impact, i.impactOverride ?? '', i.componentIds.join('+'), i.scheduledFor ?? '', i.scheduledUntil ?? '', i.postmortemPublishedAt ?? '', i.postmortemBody ?? '', ...updates].join('\u0000');
}
