import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/open.js';
import type {
  AffectedComponent,
  ComponentStatus,
  Impact,
  Incident,
  IncidentKind,
  IncidentStatus,
  IncidentUpdate,
  MaintenanceStatus,
} from '../status/types.js';
import { newId } from '../util/ids.js';

export interface NewUpdate {
  status: IncidentStatus | MaintenanceStatus;
  body: string;
  at: number;
  /** When the update is shown as having happened; defaults to `at`. */
  displayAt?: number;
  deliverNotifications?: boolean;
  /** Component statuses at this update; the old status is read from the previous update or the component. */
  components?: Record<string, ComponentStatus>;
}

export interface NewIncident {
  name: string;
  impact: Impact;
  impactOverride?: Impact | null;
  componentIds: string[];
  first: NewUpdate;
  isDemo?: boolean;
  /** False for a draft: visible in the admin only, until an operator publishes it. Default true. */
  published?: boolean;
  /** Opened by the probes for this component's outage. */
  autoComponentId?: string;
}

export interface NewMaintenance {
  name: string;
  scheduledFor: number;
  scheduledUntil: number;
  componentIds: string[];
  autoInProgress?: boolean;
  autoCompleted?: boolean;
  first: NewUpdate;
  isDemo?: boolean;
}

/** What rescheduling a maintenance window sets. */
export interface MaintenanceWindow {
  name: string;
  scheduledFor: number;
  scheduledUntil: number;
  autoInProgress: boolean;
  autoCompleted: boolean;
  componentIds: string[];
}

interface IncidentRow {
  id: string;
  kind: IncidentKind;
  name: string;
  status: Incident['status'];
  impact: Incident['impact'];
  impact_override: Impact | null;
  created_at: number;
  updated_at: number;
  started_at: number;
  monitoring_at: number | null;
  resolved_at: number | null;
  scheduled_for: number | null;
  scheduled_until: number | null;
  scheduled_auto_in_progress: number;
  published: number;
  auto_component_id: string | null;
  scheduled_auto_completed: number;
  postmortem_body: string | null;
  postmortem_published_at: number | null;
}

interface UpdateRow {
  id: string;
  incident_id: string;
  status: IncidentUpdate['status'];
  body: string;
  created_at: number;
  updated_at: number;
  display_at: number;
  deliver_notifications: number;
}

/** Incidents and scheduled maintenances with their updates: every SQL statement that touches them. */
export class IncidentStore {
  private readonly insertIncident: Statement;
  private readonly insertIncidentComponent: Statement;
  private readonly insertUpdate: Statement;
  private readonly insertUpdateComponent: Statement;
  private readonly touchIncident: Statement;
  private readonly latestUpdate: Statement;
  private readonly setPostmortemStmt: Statement;
  private readonly selectIncidents: Statement;
  private readonly selectIncident: Statement;
  private readonly selectIncidentComponents: Statement;
  private readonly selectUpdates: Statement;
  private readonly selectUpdateComponents: Statement;
  private readonly lastComponentStatus: Statement;
  private readonly componentStatus: Statement;
  private readonly updateFieldsStmt: Statement;
  private readonly editUpdateStmt: Statement;
  private readonly deleteUpdateStmt: Statement;
  private readonly countUpdates: Statement;
  private readonly updateOwner: Statement;
  private readonly deleteIncidentStmt: Statement;
  private readonly publishStmt: Statement;
  /** listAll() is read on every snapshot rebuild; incidents change far less often than statuses. */
  private cached: Incident[] | undefined;
  private cachedInTransaction = false;
  private publishedCache: { source: Incident[]; list: Incident[] } | undefined;

  constructor(
    private readonly db: Db,
    private readonly onChange: () => void,
  ) {
    this.insertIncident = db.prepare(`
      INSERT INTO incidents (id, kind, name, status, impact, impact_override, created_at, updated_at, started_at,
                             monitoring_at, resolved_at, scheduled_for, scheduled_until, scheduled_auto_in_progress,
                             scheduled_auto_completed, is_demo, published, auto_component_id)
      VALUES (@id, @kind, @name, @status, @impact, @impact_override, @at, @at, @started_at, NULL, NULL,
              @scheduled_for, @scheduled_until, @auto_in_progress, @auto_completed, @is_demo, @published, @auto_component_id)`);
    this.insertIncidentComponent = db.prepare(
      'INSERT OR IGNORE INTO incident_components (incident_id, component_id) VALUES (?, ?)',
    );
    this.insertUpdate = db.prepare(`
      INSERT INTO incident_updates (id, incident_id, status, body, created_at, updated_at, display_at, deliver_notifications)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    this.insertUpdateComponent = db.prepare(
      'INSERT INTO incident_update_components (update_id, component_id, old_status, new_status) VALUES (?, ?, ?, ?)',
    );
    this.touchIncident = db.prepare(`
      UPDATE incidents SET status = @status, updated_at = @at,
        -- When it last went into monitoring: cleared when it goes back to investigating or identified.
        monitoring_at = CASE WHEN @status = 'monitoring' THEN coalesce(monitoring_at, @display_at)
                             WHEN @status IN ('investigating', 'identified') THEN NULL ELSE monitoring_at END,
        resolved_at = CASE WHEN @status IN ('resolved', 'postmortem', 'completed') THEN coalesce(resolved_at, @display_at)
                           ELSE NULL END
      WHERE id = @id`);
    this.latestUpdate = db.prepare('SELECT status, display_at FROM incident_updates WHERE incident_id = ? ORDER BY display_at DESC, created_at DESC, rowid DESC LIMIT 1');
    this.setPostmortemStmt = db.prepare(
      `UPDATE incidents SET postmortem_body = ?, postmortem_published_at = ?, updated_at = ?,
         status = CASE WHEN kind = 'incident' THEN 'postmortem' ELSE status END WHERE id = ?`,
    );
    this.selectIncidents = db.prepare('SELECT * FROM incidents ORDER BY started_at DESC, rowid DESC');
    this.selectIncident = db.prepare('SELECT * FROM incidents WHERE id = ?');
    this.selectIncidentComponents = db.prepare(
      'SELECT ic.incident_id, ic.component_id FROM incident_components ic JOIN components c ON c.id = ic.component_id ORDER BY c.position',
    );
    // rowid breaks ties: two updates written in the same millisecond keep the order they were written in.
    this.selectUpdates = db.prepare('SELECT * FROM incident_updates ORDER BY display_at DESC, created_at DESC, rowid DESC');
    this.selectUpdateComponents = db.prepare(
      'SELECT uc.* FROM incident_update_components uc JOIN components c ON c.id = uc.component_id ORDER BY c.position',
    );
    this.lastComponentStatus = db.prepare(`
      SELECT uc.new_status FROM incident_update_components uc JOIN incident_updates u ON u.id = uc.update_id
      WHERE u.incident_id = ? AND uc.component_id = ? ORDER BY u.display_at DESC, u.created_at DESC, u.rowid DESC LIMIT 1`);
    this.componentStatus = db.prepare('SELECT status FROM components WHERE id = ?');
    this.updateFieldsStmt = db.prepare(`UPDATE incidents SET name = coalesce(@name, name), impact = coalesce(@impact, impact),
      impact_override = CASE WHEN @set_override THEN @impact_override ELSE impact_override END, updated_at = @at WHERE id = @id`);
    this.editUpdateStmt = db.prepare('UPDATE incident_updates SET body = ?, updated_at = ? WHERE id = ? AND incident_id = ?');
    this.deleteUpdateStmt = db.prepare('DELETE FROM incident_updates WHERE id = ? AND incident_id = ?');
    this.countUpdates = db.prepare('SELECT count(*) AS n FROM incident_updates WHERE incident_id = ?');
    this.updateOwner = db.prepare('UPDATE incidents SET updated_at = ? WHERE id = ?');
    this.deleteIncidentStmt = db.prepare('DELETE FROM incidents WHERE id = ?');
    this.publishStmt = db.prepare('UPDATE incidents SET published = 1, updated_at = ? WHERE id = ? AND published = 0');
  }

  private changed(): void {
    this.cached = undefined;
    this.onChange();
  }

  createIncident(input: NewIncident): string {
    return this.create('incident', input, { startedAt: input.first.displayAt ?? input.first.at });
  }

  createMaintenance(input: NewMaintenance): string {
    if (input.scheduledUntil <= input.scheduledFor) throw new Error('scheduled_until must be after scheduled_for');
    return this.create('maintenance', { ...input, impact: 'maintenance' }, {
      startedAt: input.scheduledFor,
      scheduledFor: input.scheduledFor,
      scheduledUntil: input.scheduledUntil,
      autoInProgress: input.autoInProgress ?? true,
      autoCompleted: input.autoCompleted ?? true,
    });
  }

  private create(
    kind: IncidentKind,
    input: { name: string; impact: Incident['impact']; impactOverride?: Impact | null; componentIds: string[]; first: NewUpdate; isDemo?: boolean; published?: boolean; autoComponentId?: string },
    extra: { startedAt: number; scheduledFor?: number; scheduledUntil?: number; autoInProgress?: boolean; autoCompleted?: boolean },
  ): string {
    const id = newId();
    this.db.transaction(() => {
      this.insertIncident.run({
        id,
        kind,
        name: input.name,
        status: input.first.status,
        impact: input.impact,
        impact_override: input.impactOverride ?? null,
        at: input.first.at,
        started_at: extra.startedAt,
        scheduled_for: extra.scheduledFor ?? null,
        scheduled_until: extra.scheduledUntil ?? null,
        auto_in_progress: extra.autoInProgress ? 1 : 0,
        auto_completed: extra.autoCompleted ? 1 : 0,
        is_demo: input.isDemo ? 1 : 0,
        published: input.published === false ? 0 : 1,
        auto_component_id: input.autoComponentId ?? null,
      });
      for (const componentId of input.componentIds) this.insertIncidentComponent.run(id, componentId);
      this.appendUpdate(id, input.first);
    })();
    this.changed();
    return id;
  }

  /** Adds an update and moves the incident to its status; returns the update's id. */
  addUpdate(incidentId: string, update: NewUpdate): string {
    const updateId = this.db.transaction(() => {
      if (!this.selectIncident.get(incidentId)) throw new Error(`unknown incident ${incidentId}`);
      return this.appendUpdate(incidentId, update);
    })();
    this.changed();
    return updateId;
  }

  get(id: string): Incident | undefined {
    return this.listAll().find((i) => i.id === id);
  }

  /** Renames or re-rates an incident; `impactOverride: null` clears the override. */
  updateFields(id: string, fields: { name?: string; impact?: Incident['impact']; impactOverride?: Impact | null }, at: number): void {
    const result = this.updateFieldsStmt.run({
      id,
      name: fields.name ?? null,
      impact: fields.impact ?? null,
      set_override: fields.impactOverride === undefined ? 0 : 1,
      impact_override: fields.impactOverride ?? null,
      at,
    });
    if (result.changes === 0) throw new Error(`unknown incident ${id}`);
    this.changed();
  }

  /** Typos happen: an update's text can be corrected; its time and status stay. */
  editUpdateBody(incidentId: string, updateId: string, body: string, at: number): void {
    this.db.transaction(() => {
      if (this.editUpdateStmt.run(body, at, updateId, incidentId).changes === 0) throw new Error(`unknown update ${updateId}`);
      this.updateOwner.run(at, incidentId);
    })();
    this.changed();
  }

  /** Removes one update; an incident keeps at least one. */
  deleteUpdate(incidentId: string, updateId: string, at: number): void {
    this.db.transaction(() => {
      if ((this.countUpdates.get(incidentId) as { n: number }).n <= 1) throw new Error('an incident keeps at least one update; delete the incident instead');
      if (this.deleteUpdateStmt.run(updateId, incidentId).changes === 0) throw new Error(`unknown update ${updateId}`);
      this.updateOwner.run(at, incidentId);
      // The incident is where its latest remaining update says: deleting a mistaken "resolved"
      // reopens it (resolved_at and monitoring_at follow, as for a new update).
      const latest = this.latestUpdate.get(incidentId) as { status: string; display_at: number };
      // A published postmortem keeps a resolved incident in "postmortem".
      const row = this.selectIncident.get(incidentId) as IncidentRow;
      const status = latest.status === 'resolved' && row.kind === 'incident' && row.postmortem_published_at !== null ? 'postmortem' : latest.status;
      this.touchIncident.run({ id: incidentId, status, at, display_at: latest.display_at });
    })();
    this.changed();
  }

  private rescheduleStmts: { window: Statement; clearComponents: Statement } | undefined;

  /**
   * Moves a maintenance window: name, times, automatic steps and the components it names (listed
   * in full). The caller checks what may still change once it has started.
   */
  reschedule(id: string, window: MaintenanceWindow, at: number): void {
    this.rescheduleStmts ??= {
      window: this.db.prepare(`UPDATE incidents SET name = @name, scheduled_for = @scheduled_for, started_at = @scheduled_for,
        scheduled_until = @scheduled_until, scheduled_auto_in_progress = @auto_in_progress, scheduled_auto_completed = @auto_completed,
        updated_at = @at WHERE id = @id AND kind = 'maintenance'`),
      clearComponents: this.db.prepare('DELETE FROM incident_components WHERE incident_id = ?'),
    };
    const stmts = this.rescheduleStmts;
    if (window.scheduledUntil <= window.scheduledFor) throw new Error('scheduled_until must be after scheduled_for');
    this.db.transaction(() => {
      const result = stmts.window.run({
        id,
        name: window.name,
        scheduled_for: window.scheduledFor,
        scheduled_until: window.scheduledUntil,
        auto_in_progress: window.autoInProgress ? 1 : 0,
        auto_completed: window.autoCompleted ? 1 : 0,
        at,
      });
      if (result.changes === 0) throw new Error(`unknown maintenance ${id}`);
      stmts.clearComponents.run(id);
      for (const componentId of window.componentIds) this.insertIncidentComponent.run(id, componentId);
    })();
    this.changed();
  }

  delete(id: string): void {
    if (this.deleteIncidentStmt.run(id).changes === 0) throw new Error(`unknown incident ${id}`);
    this.changed();
  }

  /** Makes a draft public; false when it was not a draft (already published, or unknown). */
  publish(id: string, at: number): boolean {
    const published = this.publishStmt.run(at, id).changes === 1;
    if (published) this.changed();
    return published;
  }

  /** The unfinished automatic incident opened for this component's outage, if any (newest first). */
  openAutomatic(componentId: string): Incident | undefined {
    return this.listAll().find((i) => i.autoComponentId === componentId && i.status !== 'resolved' && i.status !== 'postmortem');
  }

  /** What the public surfaces show: everything but drafts. Cached with listAll. */
  listPublished(): Incident[] {
    const all = this.listAll();
    if (this.publishedCache?.source !== all) this.publishedCache = { source: all, list: all.filter((i) => i.published) };
    return this.publishedCache.list;
  }

  setPostmortem(incidentId: string, body: string, at: number): void {
    const result = this.setPostmortemStmt.run(body, at, at, incidentId);
    if (result.changes === 0) throw new Error(`unknown incident ${incidentId}`);
    this.changed();
  }

  private appendUpdate(incidentId: string, update: NewUpdate): string {
    const id = newId();
    const displayAt = update.displayAt ?? update.at;
    for (const componentId of Object.keys(update.components ?? {})) this.insertIncidentComponent.run(incidentId, componentId);
    this.insertUpdate.run(id, incidentId, update.status, update.body, update.at, update.at, displayAt, update.deliverNotifications === false ? 0 : 1);
    for (const [componentId, newStatus] of Object.entries(update.components ?? {})) {
      const previous =
        (this.lastComponentStatus.get(incidentId, componentId) as { new_status: ComponentStatus } | undefined)?.new_status ??
        (this.componentStatus.get(componentId) as { status: ComponentStatus } | undefined)?.status;
      if (!previous) throw new Error(`unknown component ${componentId}`);
      this.insertUpdateComponent.run(id, componentId, previous, newStatus);
    }
    this.touchIncident.run({ id: incidentId, status: update.status, at: update.at, display_at: displayAt });
    return id;
  }

  /** Every incident and maintenance with its components and updates, newest first; four queries, cached until a write. */
  listAll(): Incident[] {
    // A list read inside a transaction may hold rows that are then rolled back (better-sqlite3 has
    // no rollback hook): it serves that transaction only, and the first read after it loads again.
    if (this.cached && this.cachedInTransaction && !this.db.inTransaction) this.cached = undefined;
    if (!this.cached) {
      this.cached = this.load();
      this.cachedInTransaction = this.db.inTransaction;
    }
    return this.cached;
  }

  private load(): Incident[] {
    const components = groupBy(this.selectIncidentComponents.all() as { incident_id: string; component_id: string }[], (r) => r.incident_id);
    const affected = groupBy(
      this.selectUpdateComponents.all() as { update_id: string; component_id: string; old_status: ComponentStatus; new_status: ComponentStatus }[],
      (r) => r.update_id,
    );
    const updates = groupBy(
      (this.selectUpdates.all() as UpdateRow[]).map(
        (u): IncidentUpdate => ({
          id: u.id,
          incidentId: u.incident_id,
          status: u.status,
          body: u.body,
          createdAt: u.created_at,
          updatedAt: u.updated_at,
          displayAt: u.display_at,
          deliverNotifications: u.deliver_notifications === 1,
          affectedComponents: (affected.get(u.id) ?? []).map(
            (a): AffectedComponent => ({ componentId: a.component_id, oldStatus: a.old_status, newStatus: a.new_status }),
          ),
        }),
      ),
      (u) => u.incidentId,
    );
    return (this.selectIncidents.all() as IncidentRow[]).map((row) => ({
      id: row.id,
      kind: row.kind,
      name: row.name,
      status: row.status,
      impact: row.impact,
      impactOverride: row.impact_override,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      startedAt: row.started_at,
      monitoringAt: row.monitoring_at,
      resolvedAt: row.resolved_at,
      scheduledFor: row.scheduled_for,
      scheduledUntil: row.scheduled_until,
      scheduledAutoInProgress: row.scheduled_auto_in_progress === 1,
      scheduledAutoCompleted: row.scheduled_auto_completed === 1,
      postmortemBody: row.postmortem_body,
      postmortemPublishedAt: row.postmortem_published_at,
      published: row.published === 1,
      autoComponentId: row.auto_component_id,
      componentIds: (components.get(row.id) ?? []).map((c) => c.component_id),
      updates: updates.get(row.id) ?? [],
    }));
  }
}

function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = out.get(k);
    if (list) list.push(row);
    else out.set(k, [row]);
  }
  return out;
}
