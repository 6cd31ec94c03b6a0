import type { Store } from '../store/index.js';
import type { IncidentTemplate } from '../store/templates.js';
import type { Component } from '../status/types.js';
import type { FormState } from './admin-incidents.js';

// Apart from admin-templates.ts so that admin-incidents.ts can import it without a module cycle.

export const visibleOf = (store: Store): Component[] => store.components.list().filter((c) => !c.hidden && !c.isGroup);

/** A template's entries split into those on the page now and those whose component has gone. */
export function splitComponents(template: IncidentTemplate, visible: Component[]) {
  const ids = new Set(visible.map((c) => c.id));
  return {
    kept: template.components.filter((c) => ids.has(c.componentId)),
    gone: template.components.filter((c) => !ids.has(c.componentId)),
  };
}

/** The names of components a template still names but the page no longer shows (by id when the row is gone too). */
export function goneNames(store: Store, gone: { componentId: string }[]): string[] {
  return gone.map((g) => store.components.get(g.componentId)?.name ?? g.componentId);
}

/**
 * The new-incident form filled from a template (GET /admin/incidents/new?template=<id>). Components
 * no longer on the page are left out and named in the note; an unknown id gives the empty form and a note.
 */
export function templatePrefill(store: Store, templateId: unknown): { state: FormState; note: string | null; templateId: string } | undefined {
  if (typeof templateId !== 'string' || templateId === '') return undefined;
  const template = store.templates.get(templateId);
  if (!template) {
    return { state: { values: { name: '', status: 'investigating', impact: '', message: '', deliver_notifications: '1' }, components: {}, errors: {} }, note: 'That template no longer exists; the form starts empty.', templateId: '' };
  }
  const { kept, gone } = splitComponents(template, visibleOf(store));
  const note = gone.length > 0 ? `The template "${template.name}" names components no longer on this page, left out: ${goneNames(store, gone).join(', ')}.` : null;
  return {
    state: {
      values: { name: template.title || template.name, status: template.status ?? 'investigating', impact: template.impact ?? '', message: template.body, deliver_notifications: '1' },
      components: Object.fromEntries(kept.map((c) => [c.componentId, c.status])),
      errors: {},
    },
    note,
    templateId: template.id,
  };
}
