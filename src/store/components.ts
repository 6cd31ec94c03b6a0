import type { Statement } from 'better-sqlite3';
import { groupId, type Config } from '../config/schema.js';
import { OPERATOR_HOLD } from '../status/holds.js';
import type { Db } from '../db/open.js';
import type { Component, ComponentStatus } from '../status/types.js';
import type { HistoryStore } from './history.js';

interface ComponentRow {
  id: string;
  name: string;
  description: string | null;
  is_group: number;
  group_id: string | null;
  position: number;
  showcase: number;
  only_show_if_degraded: number;
  start_date: string | null;
  status: ComponentStatus;
  status_since: number;
  hidden: number;
  created_at: number;
  updated_at: number;
  automated_status: ComponentStatus | null;
  manual_status: ComponentStatus | null;
  manual_reason: string | null;
  manual_set_at: number | null;
}

export interface StatusChange {
  componentId: string;
  from: ComponentStatus;
  to: ComponentStatus;
  cause: string;
  at: number;
}

export class ComponentStore {
  private readonly selectAll: Statement;
  private readonly selectOne: Statement;
  private readonly selectDeps: Statement;
  private readonly upsert: Statement;
  private readonly hideAllExcept: Statement;
  private readonly deleteDeps: Statement;
  private readonly insertDep: Statement;
  private readonly updateStatus: Statement;
  private readonly insertEvent: Statement;
  private readonly updateAutomated: Statement;
  private readonly updateManual: Statement;
  private readonly updateStatusSince: Statement;
  private readonly insertHold: Statement;
  private readonly deleteHold: Statement;
  private readonly deleteHolds: Statement;
  private readonly selectTopHold: Statement;
  private readonly selectHeldBy: Statement;
  private readonly updateDescription: Statement;
  /**
   * list() is read on every snapshot rebuild, and a status change writes one row: the list is kept
   * and only the rows written since are read again. Every write here marks its row (even one whose
   * transaction then rolls back: a needless read, never a stale row); syncFromConfig, which can
   * change every row, order and dependency, drops the list.
   */
  private listed: Component[] | undefined;
  private readonly written = new Set<string>();

  constructor(
    private readonly db: Db,
    private readonly history: HistoryStore,
    private readonly timeZone: () => string,
    private readonly onChange: () => void,
    /**
     * Called inside the transaction whenever the status the page shows changes (probes, operators,
     * incidents, maintenance): the announcer writes its outbox rows there, committed with the change.
     */
    private readonly onStatusChange: (change: StatusChange) => void = () => {},
  ) {
    this.selectAll = db.prepare('SELECT * FROM components ORDER BY position, id');
    this.selectOne = db.prepare('SELECT * FROM components WHERE id = ?');
    this.selectDeps = db.prepare('SELECT component_id, depends_on_id FROM component_dependencies ORDER BY rowid');
    this.upsert = db.prepare(`
      INSERT INTO components (id, name, description, config_description, is_group, group_id, position, showcase,
                              only_show_if_degraded, start_date, status, status_since, hidden, created_at, updated_at)
      VALUES (@id, @name, @description, @description, @is_group, @group_id, @position, @showcase, @only_show_if_degraded,
              @start_date, 'operational', @now, 0, @now, @now)
      ON CONFLICT (id) DO UPDATE SET
        name = excluded.name, is_group = excluded.is_group,
        -- A description set through the API stays until the file's own description changes.
        description = CASE WHEN config_description IS excluded.description THEN description ELSE excluded.description END,
        config_description = excluded.description,
        group_id = excluded.group_id, position = excluded.position, showcase = excluded.showcase,
        only_show_if_degraded = excluded.only_show_if_degraded, start_date = excluded.start_date, hidden = 0,
        -- Back in the file after a time out of it: that time is no data, not its last status.
        status_since = CASE WHEN hidden = 1 THEN excluded.status_since ELSE status_since END,
        updated_at = CASE WHEN (name, coalesce(config_description, ''), is_group, coalesce(group_id, ''), position, showcase,
                                only_show_if_degraded, coalesce(start_date, ''), hidden)
                          IS (excluded.name, coalesce(excluded.description, ''), excluded.is_group,
                              coalesce(excluded.group_id, ''), excluded.position, excluded.showcase,
                              excluded.only_show_if_degraded, coalesce(excluded.start_date, ''), 0)
                          THEN updated_at ELSE excluded.updated_at END`);
    this.hideAllExcept = db.prepare(
      `UPDATE components SET hidden = 1, updated_at = ? WHERE hidden = 0 AND id NOT IN (SELECT value FROM json_each(?))`,
    );
    this.deleteDeps = db.prepare('DELETE FROM component_dependencies');
    this.insertDep = db.prepare('INSERT INTO component_dependencies (component_id, depends_on_id) VALUES (?, ?)');
    this.updateStatus = db.prepare('UPDATE components SET status = ?, status_since = ?, updated_at = ? WHERE id = ?');
    this.updateStatusSince = db.prepare('UPDATE components SET status_since = ? WHERE id = ?');
    this.updateAutomated = db.prepare('UPDATE components SET automated_status = ? WHERE id = ?');
    this.updateDescription = db.prepare('UPDATE components SET description = ?, updated_at = ? WHERE id = ?');
    this.updateManual = db.prepare('UPDATE components SET manual_status = ?, manual_reason = ?, manual_set_at = ? WHERE id = ?');
    this.insertHold = db.prepare('INSERT INTO component_holds (component_id, holder, status, reason, set_at) VALUES (?, ?, ?, ?, ?)');
    this.deleteHold = db.prepare('DELETE FROM component_holds WHERE component_id = ? AND holder = ?');
    this.deleteHolds = db.prepare('DELETE FROM component_holds WHERE component_id = ?');
    this.selectTopHold = db.prepare('SELECT status, reason, set_at FROM component_holds WHERE component_id = ? ORDER BY seq DESC LIMIT 1');
    this.selectHeldBy = db.prepare('SELECT component_id FROM component_holds WHERE holder = ? ORDER BY component_id');
    this.insertEvent = db.prepare(
      'INSERT INTO component_status_events (component_id, from_status, to_status, cause, at) VALUES (?, ?, ?, ?, ?)',
    );
  }

  /**
   * Makes the table match the config: declared components and their groups are inserted or updated,
   * the rest are hidden (never deleted: their history and incidents stay). One transaction.
   */
  syncFromConfig(config: Config, now: number): void {
    this.db.transaction(() => {
      const seen: string[] = [];
      let position = 0;
      const groups = new Map<string, string>();
      for (const c of config.components) {
        if (c.group && !groups.has(c.group)) {
          const id = groupId(c.group);
          groups.set(c.group, id);
          seen.push(id);
          this.upsert.run({
            id, name: c.group, description: null, is_group: 1, group_id: null, position: ++position,
            showcase: 0, only_show_if_degraded: 0, start_date: null, now,
          });
        }
      }
      // Children are numbered after their group so that one ORDER BY position gives page order.
      for (const c of config.components) {
        seen.push(c.id);
        this.upsert.run({
          id: c.id,
          name: c.name,
          description: c.description ?? null,
          is_group: 0,
          group_id: c.group ? groups.get(c.group)! : null,
          position: ++position,
          showcase: c.showcase === false ? 0 : 1,
          only_show_if_degraded: c.only_show_if_degraded ? 1 : 0,
          start_date: c.start_date ?? null,
          now,
        });
      }
      // Leaving the page: the time spent in its status so far is credited, and no more until it is back.
      const kept = new Set(seen);
      for (const row of this.selectAll.all() as ComponentRow[]) {
        if (row.hidden || kept.has(row.id) || row.is_group) continue;
        this.history.creditInterval(row.id, row.status, row.status_since, now, this.timeZone());
        this.updateStatusSince.run(now, row.id);
      }
      this.hideAllExcept.run(now, JSON.stringify(seen));
      this.deleteDeps.run();
      for (const c of config.components) for (const dep of c.depends_on ?? []) this.insertDep.run(c.id, dep);
    })();
    this.listed = undefined;
    this.onChange();
  }

  /** Every component and group, in page order. */
  list(): Component[] {
    // Rows read inside a transaction may yet be rolled back: they serve that read only.
    if (this.db.inTransaction) return this.load();
    if (!this.listed) {
      this.listed = this.load();
    } else if (this.written.size > 0) {
      this.listed = this.listed.map((c) => {
        if (!this.written.has(c.id)) return c;
        const row = this.selectOne.get(c.id) as ComponentRow | undefined;
        return row ? toComponent(row, c.dependsOn) : c;
      });
    }
    this.written.clear();
    return this.listed;
  }

  private load(): Component[] {
    const deps = new Map<string, string[]>();
    for (const row of this.selectDeps.all() as { component_id: string; depends_on_id: string }[]) {
      const list = deps.get(row.component_id) ?? [];
      list.push(row.depends_on_id);
      deps.set(row.component_id, list);
    }
    return (this.selectAll.all() as ComponentRow[]).map((row) => toComponent(row, deps.get(row.id) ?? []));
  }

  get(id: string): Component | undefined {
    const row = this.selectOne.get(id) as ComponentRow | undefined;
    return row && toComponent(row, []);
  }

  /**
   * Changes a component's status: closes the interval spent in the old status into the daily
   * history and records the change as an event, in one transaction. Returns the change, or
   * undefined when the status was already that.
   */
  setStatus(id: string, to: ComponentStatus, cause: string, at: number): StatusChange | undefined {
    this.written.add(id); // for setManual and clearManual too, which write the row through here
    const change = this.db.transaction((): StatusChange | undefined => {
      const row = this.selectOne.get(id) as ComponentRow | undefined;
      if (!row) throw new Error(`unknown component ${id}`);
      if (row.is_group) throw new Error(`component ${id} is a group; its status follows its children`);
      if (row.status === to) return undefined;
      this.history.creditInterval(id, row.status, row.status_since, at, this.timeZone());
      this.updateStatus.run(to, at, at, id);
      this.insertEvent.run(id, row.status, to, cause, at);
      const change = { componentId: id, from: row.status, to, cause, at };
      this.onStatusChange(change);
      return change;
    })();
    if (change) this.onChange();
    return change;
  }

  /**
   * What the probes say. It becomes the component's status unless an override (an operator, an
   * incident, a maintenance window) holds it; either way it is kept, to return to later.
   */
  setAutomated(id: string, to: ComponentStatus, cause: string, at: number): StatusChange | undefined {
    return this.db.transaction(() => {
      const row = this.selectOne.get(id) as ComponentRow | undefined;
      if (!row) throw new Error(`unknown component ${id}`);
      this.written.add(id);
      this.updateAutomated.run(to, id);
      return row.manual_status === null ? this.setStatus(id, to, cause, at) : undefined;
    })();
  }

  /** Sets the text shown under a component's name; null clears it. */
  setDescription(id: string, description: string | null, at: number): void {
    this.written.add(id);
    if (this.updateDescription.run(description, at, id).changes === 0) throw new Error(`unknown component ${id}`);
    this.onChange();
  }

  /**
   * A hold: the component shows `to`, whatever the probes say, until its holder lets go
   * (clearManual). Holders are an operator (OPERATOR_HOLD), or an incident or maintenance window
   * (`incident <id>`); each keeps its own hold, and the latest written is the one shown.
   */
  setManual(id: string, to: ComponentStatus, reason: string, at: number, holder: string = OPERATOR_HOLD): StatusChange | undefined {
    return this.db.transaction(() => {
      if (!this.selectOne.get(id)) throw new Error(`unknown component ${id}`);
      // Written again, it becomes the latest.
      this.deleteHold.run(id, holder);
      this.insertHold.run(id, holder, to, reason, at);
      return this.applyHolds(id, reason, at);
    })();
  }

  /**
   * Lets go of the holds of `holders` (of every hold when none are named): the component shows the
   * latest hold left, or, with none left, the status its probes last gave it.
   */
  clearManual(id: string, reason: string, at: number, holders?: readonly string[]): StatusChange | undefined {
    return this.db.transaction(() => {
      if (!this.selectOne.get(id)) throw new Error(`unknown component ${id}`);
      if (holders === undefined) this.deleteHolds.run(id);
      else for (const holder of holders) this.deleteHold.run(id, holder);
      return this.applyHolds(id, reason, at);
    })();
  }

  /** Ids of the components `holder` holds. */
  heldBy(holder: string): string[] {
    return (this.selectHeldBy.all(holder) as { component_id: string }[]).map((r) => r.component_id);
  }

  /** Shows the latest hold (components.manual_* mirror it), or hands the component back to automation. */
  private applyHolds(id: string, cause: string, at: number): StatusChange | undefined {
    this.written.add(id);
    const top = this.selectTopHold.get(id) as { status: ComponentStatus; reason: string; set_at: number } | undefined;
    if (top) {
      this.updateManual.run(top.status, top.reason, top.set_at, id);
      return this.setStatus(id, top.status, cause, at);
    }
    const row = this.selectOne.get(id) as ComponentRow;
    if (row.manual_status === null) return undefined;
    this.updateManual.run(null, null, null, id);
    return this.setStatus(id, underlying(row), cause, at);
  }
}

/** The status a component returns to when an operator's override is cleared. */
function underlying(row: ComponentRow): ComponentStatus {
  return row.automated_status ?? 'operational';
}

function toComponent(row: ComponentRow, dependsOn: string[]): Component {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    isGroup: row.is_group === 1,
    groupId: row.group_id,
    position: row.position,
    showcase: row.showcase === 1,
    onlyShowIfDegraded: row.only_show_if_degraded === 1,
    startDate: row.start_date,
    status: row.status,
    statusSince: row.status_since,
    hidden: row.hidden === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    dependsOn,
    automatedStatus: row.automated_status,
    manual: row.manual_status === null ? null : { status: row.manual_status, reason: row.manual_reason ?? '', setAt: row.manual_set_at ?? 0 },
  };
}
