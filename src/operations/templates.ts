import type { Store } from '../store/index.js';
import type { IncidentTemplate, TemplateInput } from '../store/templates.js';
import type { Clock } from '../util/time.js';
import { notFound, OperationError } from './errors.js';
import type { Actor } from './incidents.js';

/** Incident templates: each write and its audit entry in one transaction. */
export class TemplateService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  create(input: TemplateInput, actor: Actor): IncidentTemplate {
    this.checkComponents(input);
    const now = this.clock();
    const id = this.store.db.transaction(() => {
      const id = this.store.templates.create(input, now);
      this.audit(actor, 'template.create', id, null, summary(this.store.templates.get(id)!), now);
      return id;
    })();
    return this.store.templates.get(id)!;
  }

  update(id: string, input: TemplateInput, actor: Actor): IncidentTemplate {
    const before = this.require(id);
    this.checkComponents(input);
    const now = this.clock();
    this.store.db.transaction(() => {
      this.store.templates.update(id, input, now);
      this.audit(actor, 'template.update', id, summary(before), summary(this.store.templates.get(id)!), now);
    })();
    return this.store.templates.get(id)!;
  }

  delete(id: string, actor: Actor): IncidentTemplate {
    const before = this.require(id);
    const now = this.clock();
    this.store.db.transaction(() => {
      this.store.templates.delete(id);
      this.audit(actor, 'template.delete', id, summary(before), null, now);
    })();
    return before;
  }

  private require(id: string): IncidentTemplate {
    const template = this.store.templates.get(id);
    if (!template) throw notFound('template', id);
    return template;
  }

  /** New entries name components on the page now; the form only offers those. */
  private checkComponents(input: TemplateInput): void {
    const known = new Set(this.store.components.list().filter((c) => !c.hidden && !c.isGroup).map((c) => c.id));
    for (const id of Object.keys(input.components)) {
      if (!known.has(id)) throw new OperationError(422, `unknown component "${id}"; expected one of: ${[...known].join(', ')}`, 'components');
    }
  }

  private audit(actor: Actor, action: string, entityId: string, before: unknown, after: unknown, at: number): void {
    this.store.audit.record({ at, actor, action, entityType: 'template', entityId, before, after });
  }
}

function summary(t: IncidentTemplate) {
  return {
    name: t.name,
    title: t.title,
    body: t.body,
    status: t.status,
    impact: t.impact,
    components: Object.fromEntries(t.components.map((c) => [c.componentId, c.status])),
  };
}
