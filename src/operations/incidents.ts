import type { Store } from '../store/index.js';
import type { MaintenanceWindow } from '../store/incidents.js';
import { holdReason, OPERATOR_HOLD } from '../status/holds.js';
import { type ComponentStatus, type Impact, type Incident, type IncidentStatus, type MaintenanceStatus } from '../status/types.js';
import type { Clock } from '../util/time.js';
import { notFound, OperationError } from './errors.js';
import { checkWindowTimes, windowComponents } from './maintenance.js';

/** Who did it: written to the audit log and to component status causes. */
export interface Actor {
  kind: 'operator' | 'api_key' | 'system';
  id: string;
  name: string;
}

export type ComponentChanges = Record<string, ComponentStatus>;

export interface IncidentInput {
  name: string;
  status: IncidentStatus;
  body: string;
  /** Component statuses to set with this update; `operational` hands a component back to automation. */
  components?: ComponentChanges;
  /** Components listed as affected without changing their status. */
  componentIds?: string[];
  impactOverride?: Impact | null;
  deliverNotifications?: boolean;
  /** False opens a draft: shown in the admin only, announced when published. */
  published?: boolean;
  /** Set when the probes open the incident: the component whose outage it is about. */
  autoComponentId?: string;
  /**
   * Whether the statuses in `components` become overrides held by the incident (the default, for
   * operators). Automatic incidents only record them: the probes own those statuses.
   */
  holdComponents?: boolean;
}

export interface UpdateInput {
  name?: string;
  status?: IncidentStatus | MaintenanceStatus;
  body?: string;
  components?: ComponentChanges;
  impactOverride?: Impact | null;
  deliverNotifications?: boolean;
  /** On resolution, components that keep the status this incident gave them instead of returning to automation. */
  keepComponents?: string[];
  /** See IncidentInput.holdComponents. */
  holdComponents?: boolean;
}

export interface MaintenanceInput {
  name: string;
  body: string;
  scheduledFor: number;
  scheduledUntil: number;
  componentIds: string[];
  autoInProgress?: boolean;
  autoCompleted?: boolean;
  deliverNotifications?: boolean;
}

const FINISHED = new Set(['resolved', 'postmortem', 'completed']);

/**
 * Statuspage's rule when no impact is chosen: the worst component status an update sets.
 *
 *   worst status set        impact
 *   major_outage            critical
 *   partial_outage          major
 *   degraded_performance    minor
 *   anything else, none     none
 */
export function impactFromComponents(changes: ComponentChanges | undefined): Impact {
  const statuses = Object.values(changes ?? {});
  if (statuses.includes('major_outage')) return 'critical';
  if (statuses.includes('partial_outage')) return 'major';
  if (statuses.includes('degraded_performance')) return 'minor';
  return 'none';
}

/**
 * The write side of incidents and maintenance, shared by the admin forms and the management API so
 * that both leave the same rows. Each action is one transaction: the incident, its update, the
 * component statuses it sets (as overrides that win over automation until the incident lets go).
 */
export class IncidentService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  create(input: IncidentInput, actor: Actor): Incident {
    this.checkComponents(input.components, input.componentIds);
    const now = this.clock();
    const id = this.store.db.transaction(() => {
      const id = this.store.incidents.createIncident({
        name: input.name,
        impact: impactFromComponents(input.components),
        impactOverride: input.impactOverride ?? null,
        componentIds: [...new Set([...(input.componentIds ?? []), ...Object.keys(input.components ?? {})])],
        published: input.published,
        autoComponentId: input.autoComponentId,
        first: {
          status: input.status,
          body: input.body,
          at: now,
          deliverNotifications: input.deliverNotifications,
          components: input.components,
        },
      });
      if (input.holdComponents !== false) this.applyComponents(id, input.components, now, actor);
      if (FINISHED.has(input.status)) this.release(id, [], now, actor);
      this.audit(actor, 'incident.create', id, null, summary(this.store.incidents.get(id)!), now);
      this.store.announcer.enqueue('incident.created', id, by(actor));
      return id;
    })();
    return this.store.incidents.get(id)!;
  }

  /** A new update (when status or body is given), a rename, a new impact, component statuses. */
  update(id: string, input: UpdateInput, actor: Actor): Incident {
    const incident = this.require(id);
    // Entering a maintenance window puts its components under maintenance, whoever moves it.
    if (incident.kind === 'maintenance' && !input.components) input = { ...input, components: windowComponents(incident, input.status, this.onPage()) };
    this.checkComponents(input.components);
    if (input.status && incident.kind === 'incident' && !isIncidentStatus(input.status)) {
      throw new OperationError(422, `expected an incident status: ${['investigating', 'identified', 'monitoring', 'resolved', 'postmortem'].join(', ')}`, 'status');
    }
    if (input.status && incident.kind === 'maintenance' && isIncidentStatus(input.status)) {
      throw new OperationError(422, 'expected a maintenance status: scheduled, in_progress, verifying, completed', 'status');
    }
    // The timer would start it again within seconds, with another update and announcement.
    if (input.status === 'scheduled' && incident.kind === 'maintenance' && incident.status !== 'scheduled') {
      throw new OperationError(409, 'this maintenance has started; it cannot be scheduled again (move its end, or complete it)', 'status');
    }
    const now = this.clock();
    this.store.db.transaction(() => {
      if (input.name !== undefined || input.impactOverride !== undefined || input.components) {
        this.store.incidents.updateFields(
          id,
          {
            name: input.name,
            impactOverride: input.impactOverride,
            impact: incident.kind === 'incident' && input.components ? maxImpact(incident.impact as Impact, impactFromComponents(input.components)) : undefined,
          },
          now,
        );
      }
      if (input.status !== undefined || input.body !== undefined || input.components) {
        this.store.incidents.addUpdate(id, {
          status: input.status ?? incident.status,
          body: input.body ?? '',
          at: now,
          deliverNotifications: input.deliverNotifications,
          components: input.components,
        });
      }
      if (input.holdComponents !== false) this.applyComponents(id, input.components, now, actor);
      if (input.status && FINISHED.has(input.status) && !FINISHED.has(incident.status)) this.release(id, input.keepComponents ?? [], now, actor);
      this.audit(actor, 'incident.update', id, summary(incident), summary(this.store.incidents.get(id)!), now);
      this.store.announcer.incidentUpdated(incident, id, by(actor));
    })();
    return this.store.incidents.get(id)!;
  }

  createMaintenance(input: MaintenanceInput, actor: Actor): Incident {
    const now = this.clock();
    checkWindowTimes(input.scheduledFor, input.scheduledUntil, now);
    this.checkComponents(undefined, input.componentIds);
    const id = this.store.db.transaction(() => {
      const id = this.store.incidents.createMaintenance({
        name: input.name,
        scheduledFor: input.scheduledFor,
        scheduledUntil: input.scheduledUntil,
        componentIds: input.componentIds,
        autoInProgress: input.autoInProgress ?? true,
        autoCompleted: input.autoCompleted ?? true,
        first: { status: 'scheduled', body: input.body, at: now, deliverNotifications: input.deliverNotifications },
      });
      this.audit(actor, 'maintenance.create', id, null, summary(this.store.incidents.get(id)!), now);
      this.store.announcer.enqueue('maintenance.scheduled', id, by(actor));
      return id;
    })();
    this.advanceNow(actor);
    return this.store.incidents.get(id)!;
  }

  /**
   * Changes a maintenance window. Before it starts everything may change; once started, only its
   * name, end and automatic completion (a window that overruns is extended); once completed, nothing.
   * Fields left out keep their value.
   */
  reschedule(id: string, changes: Partial<MaintenanceWindow>, actor: Actor): Incident {
    const m = this.require(id);
    if (m.kind !== 'maintenance') throw new OperationError(422, 'only a maintenance window has a schedule');
    const before: MaintenanceWindow = {
      name: m.name,
      scheduledFor: m.scheduledFor!,
      scheduledUntil: m.scheduledUntil!,
      autoInProgress: m.scheduledAutoInProgress,
      autoCompleted: m.scheduledAutoCompleted,
      componentIds: m.componentIds,
    };
    const after: MaintenanceWindow = { ...before, ...Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) };
    if (m.status === 'completed') throw new OperationError(409, 'this maintenance has completed; its window can no longer change');
    if (m.status !== 'scheduled') {
      const fixed = (['scheduledFor', 'autoInProgress'] as const).filter((k) => after[k] !== before[k]);
      if (fixed.length > 0) throw new OperationError(409, 'this maintenance has started: only its name, end and automatic completion can change', fixed[0] === 'scheduledFor' ? 'scheduled_for' : 'scheduled_auto_in_progress');
      if ([...after.componentIds].sort().join() !== [...before.componentIds].sort().join()) throw new OperationError(409, 'this maintenance has started: its components can no longer change', 'components');
    }
    const now = this.clock();
    // A start or an end that is not moved is not judged again (an old window keeps its start).
    if (after.scheduledFor !== before.scheduledFor || after.scheduledUntil !== before.scheduledUntil) {
      checkWindowTimes(after.scheduledFor, after.scheduledUntil, now, m.status !== 'scheduled' || after.scheduledFor === before.scheduledFor);
    }
    this.checkComponents(undefined, changes.componentIds);
    this.store.db.transaction(() => {
      this.store.incidents.reschedule(id, after, now);
      this.audit(actor, 'maintenance.reschedule', id, before, after, now);
    })();
    // A window moved into the past starts (or ends) now, as one created there would.
    this.advanceNow(actor);
    return this.store.incidents.get(id)!;
  }

  /**
   * Moves maintenance windows along by themselves (where switched on): scheduled becomes
   * in_progress at its start, with its components under maintenance; in_progress or verifying
   * becomes completed at its end, and the components return to automation. Each step is an update.
   */
  advanceMaintenances(actor: Actor = SYSTEM): number {
    const now = this.clock();
    let moved = 0;
    const failures: unknown[] = [];
    for (const m of this.store.incidents.listAll()) {
      if (m.kind !== 'maintenance') continue;
      // One window that cannot move (each step is its own transaction) must not hold back the others.
      try {
        if (m.status === 'scheduled' && m.scheduledAutoInProgress && m.scheduledFor !== null && now >= m.scheduledFor) {
          // Its components go under maintenance by the rule update() applies on every path (windowComponents).
          this.update(m.id, { status: 'in_progress', body: 'Scheduled maintenance is currently in progress. We will provide updates as necessary.', deliverNotifications: announcesByDefault(m) }, actor);
          moved++;
        } else if ((m.status === 'in_progress' || m.status === 'verifying') && m.scheduledAutoCompleted && m.scheduledUntil !== null && now >= m.scheduledUntil) {
          this.update(m.id, { status: 'completed', body: 'The scheduled maintenance has been completed.', deliverNotifications: announcesByDefault(m) }, actor);
          moved++;
        }
      } catch (err) {
        failures.push(err);
      }
    }
    if (failures.length > 0) throw new AggregateError(failures, `${failures.length} maintenance window(s) could not move on; ${moved} did`);
    return moved;
  }

  /**
   * A window written with a start already past moves on at once, as the timer would. This write has
   * committed: another window failing to move is the timer's to report, not this request's.
   */
  private advanceNow(actor: Actor): void {
    try {
      this.advanceMaintenances(actor);
    } catch {
      // Logged by the maintenance timer, which retries every 15 s.
    }
  }

  /** Makes a draft public (it then reaches the page, the feeds, the JSON and the announcements). */
  publish(id: string, actor: Actor): Incident {
    const incident = this.require(id);
    if (incident.published) throw new OperationError(409, 'this incident is already published');
    const now = this.clock();
    this.store.db.transaction(() => {
      this.store.incidents.publish(id, now);
      this.audit(actor, 'incident.publish', id, { published: false }, { published: true }, now);
      this.store.announcer.enqueue('incident.created', id);
    })();
    return this.store.incidents.get(id)!;
  }

  editUpdateBody(incidentId: string, updateId: string, body: string, actor: Actor): Incident {
    const incident = this.require(incidentId);
    const update = incident.updates.find((u) => u.id === updateId);
    if (!update) throw notFound('incident update', updateId);
    const now = this.clock();
    this.store.db.transaction(() => {
      this.store.incidents.editUpdateBody(incidentId, updateId, body, now);
      this.audit(actor, 'incident_update.edit', updateId, { body: update.body }, { body }, now);
    })();
    return this.store.incidents.get(incidentId)!;
  }

  deleteUpdate(incidentId: string, updateId: string, actor: Actor): Incident {
    const incident = this.require(incidentId);
    const update = incident.updates.find((u) => u.id === updateId);
    if (!update) throw notFound('incident update', updateId);
    if (incident.updates.length <= 1) throw new OperationError(409, 'an incident keeps at least one update; to remove the incident itself, delete it through the API');
    const now = this.clock();
    this.store.db.transaction(() => {
      this.store.incidents.deleteUpdate(incidentId, updateId, now);
      const after = this.store.incidents.get(incidentId)!;
      // A resolution taken back (a "resolved" posted by mistake, deleted): the incident holds its
      // components again as its remaining updates left them.
      if (FINISHED.has(incident.status) && !FINISHED.has(after.status)) {
        const last = new Map<string, ComponentStatus>();
        for (const u of after.updates) for (const a of u.affectedComponents) if (!last.has(a.componentId)) last.set(a.componentId, a.newStatus);
        const held = [...last].filter(([id, status]) => status !== 'operational' && this.onPage().has(id));
        if (held.length > 0) this.applyComponents(incidentId, Object.fromEntries(held), now, actor);
      }
      this.audit(actor, 'incident_update.delete', updateId, { status: update.status, body: update.body }, null, now);
    })();
    return this.store.incidents.get(incidentId)!;
  }

  /**
   * A postmortem follows the resolution, as on Statuspage: written on an incident still open it
   * would mark it finished without resolving it or releasing the components it holds.
   */
  setPostmortem(incidentId: string, body: string, actor: Actor): Incident {
    const incident = this.require(incidentId);
    if (incident.kind === 'incident' && incident.status !== 'resolved' && incident.status !== 'postmortem') {
      throw new OperationError(409, 'a postmortem is written once the incident is resolved; post a resolved update first', 'postmortem');
    }
    const now = this.clock();
    this.store.db.transaction(() => {
      this.store.incidents.setPostmortem(incidentId, body, now);
      this.audit(actor, 'incident.postmortem', incidentId, { postmortem: incident.postmortemBody }, { postmortem: body }, now);
    })();
    return this.store.incidents.get(incidentId)!;
  }

  /** Deletes an incident; components it still held return to automation. */
  delete(incidentId: string, actor: Actor): Incident {
    const incident = this.require(incidentId);
    const now = this.clock();
    this.store.db.transaction(() => {
      this.release(incidentId, [], now, actor);
      this.store.outbox.failForDeletedIncident(incidentId, now);
      this.store.incidents.delete(incidentId);
      this.audit(actor, 'incident.delete', incidentId, summary(incident), null, now);
    })();
    return incident;
  }

  /** Sets a component's status by hand, with a reason, until handed back. */
  setComponentStatus(componentId: string, status: ComponentStatus, reason: string, actor: Actor): void {
    this.checkComponents({ [componentId]: status });
    const now = this.clock();
    this.store.db.transaction(() => {
      const before = this.store.components.get(componentId)!;
      this.store.components.setManual(componentId, status, `${actor.kind} ${actor.name}: ${reason}`, now);
      this.audit(actor, 'component.set_status', componentId, { status: before.status, manual: before.manual }, { status, reason }, now, 'component');
    })();
  }

  /** The text under a component's name; outpost.yaml wins again when its own description changes. */
  setComponentDescription(componentId: string, description: string | null, actor: Actor): void {
    this.checkComponents(undefined, [componentId]);
    const now = this.clock();
    this.store.db.transaction(() => {
      const before = this.store.components.get(componentId)!;
      this.store.components.setDescription(componentId, description, now);
      this.audit(actor, 'component.set_description', componentId, { description: before.description }, { description }, now, 'component');
    })();
  }

  handBack(componentId: string, actor: Actor): void {
    this.checkComponents(undefined, [componentId]);
    const now = this.clock();
    this.store.db.transaction(() => {
      const before = this.store.components.get(componentId)!;
      this.store.components.clearManual(componentId, `${actor.kind} ${actor.name}: handed back to automation`, now);
      this.audit(actor, 'component.hand_back', componentId, { status: before.status, manual: before.manual }, { status: this.store.components.get(componentId)!.status }, now, 'component');
    })();
  }

  /** Every write is in the audit log, in the same transaction: who, what, before and after. */
  private audit(actor: Actor, action: string, entityId: string, before: unknown, after: unknown, at: number, entityType = action.split('.')[0]!): void {
    this.store.audit.record({ at, actor, action, entityType, entityId, before, after });
  }

  private require(id: string): Incident {
    const incident = this.store.incidents.get(id);
    if (!incident) throw notFound('incident', id);
    return incident;
  }

  /** Ids of the components the page shows now (not hidden, not groups). */
  private onPage(): Set<string> {
    return new Set(this.store.components.list().filter((c) => !c.hidden && !c.isGroup).map((c) => c.id));
  }

  private checkComponents(changes?: ComponentChanges, ids?: string[]): void {
    const known = new Map(this.store.components.list().filter((c) => !c.hidden && !c.isGroup).map((c) => [c.id, c]));
    for (const id of [...Object.keys(changes ?? {}), ...(ids ?? [])]) {
      if (!known.has(id)) throw new OperationError(422, `unknown component "${id}"; expected one of: ${[...known.keys()].join(', ')}`, 'components');
    }
  }

  /**
   * An incident's component statuses are holds of the incident's own, so that it can let go of them
   * later without touching another's: a maintenance window's, another incident's. "Operational"
   * lets go of the incident's hold and of a status set by hand, which it supersedes.
   */
  private applyComponents(incidentId: string, changes: ComponentChanges | undefined, at: number, actor: Actor): void {
    for (const [componentId, status] of Object.entries(changes ?? {})) {
      if (status === 'operational') this.store.components.clearManual(componentId, `incident ${incidentId}: recovered (${actor.name})`, at, [holdReason(incidentId), OPERATOR_HOLD]);
      else this.store.components.setManual(componentId, status, holdReason(incidentId), at, holdReason(incidentId));
    }
  }

  /** This incident lets go of the components it holds, except those the operator keeps. */
  private release(incidentId: string, keep: string[], at: number, actor: Actor): void {
    for (const id of this.store.components.heldBy(holdReason(incidentId))) {
      if (!keep.includes(id)) this.store.components.clearManual(id, `incident ${incidentId} resolved (${actor.name})`, at, [holdReason(incidentId)]);
    }
  }
}

export const SYSTEM: Actor = { kind: 'system', id: 'outpost', name: 'Outpost' };

/** What the audit log keeps of an incident: enough to see what changed, not the whole history. */
function summary(i: Incident) {
  return {
    name: i.name,
    status: i.status,
    impact: i.impactOverride ?? i.impact,
    components: i.componentIds,
    updates: i.updates.length,
    latest: i.updates[0] ? { status: i.updates[0].status, body: i.updates[0].body } : null,
  };
}

/** For the outbox's double-submit rule: only people click twice. */
function by(actor: Actor): 'person' | 'system' {
  return actor.kind === 'system' ? 'system' : 'person';
}

/**
 * Whether a maintenance window's later updates are announced when nobody says: as its first one
 * was. A window scheduled without an announcement starts and ends without one too.
 */
export function announcesByDefault(m: Incident): boolean {
  return m.updates.at(-1)?.deliverNotifications ?? true;
}

function isIncidentStatus(status: string): status is IncidentStatus {
  return ['investigating', 'identified', 'monitoring', 'resolved', 'postmortem'].includes(status);
}

const IMPACT_RANK: Record<Impact, number> = { none: 0, minor: 1, major: 2, critical: 3 };
function maxImpact(a: Impact, b: Impact): Impact {
  return IMPACT_RANK[a] >= IMPACT_RANK[b] ? a : b;
}
