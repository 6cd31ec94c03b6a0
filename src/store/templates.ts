import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/open.js';
import type { ComponentStatus, Impact, IncidentStatus } from '../status/types.js';
import { newId } from '../util/ids.js';

/** The incident statuses a template may start an incident in (postmortem has its own form). */
export type TemplateStatus = Exclude<IncidentStatus, 'postmortem'>;

export interface TemplateComponent {
  componentId: string;
  status: ComponentStatus;
}

/** A prefilled new-incident form for a recurring case. */
export interface IncidentTemplate {
  id: string;
  /** What operators pick it by. */
  name: string;
  /** The incident's name. */
  title: string;
  body: string;
  /** null: the form's own default. */
  status: TemplateStatus | null;
  /** null: impact from the component statuses. */
  impact: Impact | null;
  /** In the page's component order; ids no longer on the page come last. */
  components: TemplateComponent[];
  createdAt: number;
  updatedAt: number;
}

export interface TemplateInput {
  name: string;
  title: string;
  body: string;
  status: TemplateStatus | null;
  impact: Impact | null;
  components: Record<string, ComponentStatus>;
}

interface TemplateRow {
  id: string;
  name: string;
  title: string;
  body: string;
  status: TemplateStatus | null;
  impact: Impact | null;
  created_at: number;
  updated_at: number;
}

/** Incident templates: every SQL statement that touches them. Callers wrap a write and its audit entry in one transaction. */
export class TemplateStore {
  private readonly insertStmt: Statement;
  private readonly updateStmt: Statement;
  private readonly deleteStmt: Statement;
  private readonly insertComponent: Statement;
  private readonly clearComponents: Statement;
  private readonly selectAll: Statement;
  private readonly selectComponents: Statement;

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare(`INSERT INTO incident_templates (id, name, title, body, status, impact, created_at, updated_at)
      VALUES (@id, @name, @title, @body, @status, @impact, @at, @at)`);
    this.updateStmt = db.prepare(`UPDATE incident_templates SET name = @name, title = @title, body = @body, status = @status,
      impact = @impact, updated_at = @at WHERE id = @id`);
    this.deleteStmt = db.prepare('DELETE FROM incident_templates WHERE id = ?');
    this.insertComponent = db.prepare('INSERT INTO incident_template_components (template_id, component_id, status) VALUES (?, ?, ?)');
    this.clearComponents = db.prepare('DELETE FROM incident_template_components WHERE template_id = ?');
    this.selectAll = db.prepare('SELECT * FROM incident_templates ORDER BY name COLLATE NOCASE, id');
    this.selectComponents = db.prepare(`
      SELECT tc.template_id, tc.component_id, tc.status FROM incident_template_components tc
      LEFT JOIN components c ON c.id = tc.component_id
      ORDER BY c.position IS NULL, c.position, tc.component_id`);
  }

  list(): IncidentTemplate[] {
    const components = new Map<string, TemplateComponent[]>();
    for (const row of this.selectComponents.all() as { template_id: string; component_id: string; status: ComponentStatus }[]) {
      const list = components.get(row.template_id) ?? [];
      list.push({ componentId: row.component_id, status: row.status });
      components.set(row.template_id, list);
    }
    return (this.selectAll.all() as TemplateRow[]).map((row) => ({
      id: row.id,
      name: row.name,
      title: row.title,
      body: row.body,
      status: row.status,
      impact: row.impact,
      components: components.get(row.id) ?? [],
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    }));
  }

  get(id: string): IncidentTemplate | undefined {
    return this.list().find((t) => t.id === id);
  }

  create(input: TemplateInput, at: number): string {
    const id = newId();
    this.db.transaction(() => {
      this.insertStmt.run({ ...columns(input), id, at });
      this.writeComponents(id, input.components);
    })();
    return id;
  }

  /** Replaces every field and the component list. */
  update(id: string, input: TemplateInput, at: number): void {
    this.db.transaction(() => {
      if (this.updateStmt.run({ ...columns(input), id, at }).changes === 0) throw new Error(`unknown template ${id}`);
      this.clearComponents.run(id);
      this.writeComponents(id, input.components);
    })();
  }

  delete(id: string): void {
    if (this.deleteStmt.run(id).changes === 0) throw new Error(`unknown template ${id}`);
  }

  private writeComponents(id: string, components: Record<string, ComponentStatus>): void {
    for (const [componentId, status] of Object.entries(components)) this.insertComponent.run(id, componentId, status);
  }
}

const columns = (input: TemplateInput) => ({ name: input.name, title: input.title, body: input.body, status: input.status, impact: input.impact });
