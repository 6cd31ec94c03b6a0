import type { FastifyBaseLogger } from 'fastify';
import { judgeHeartbeat, type HeartbeatProbeConfig } from '../probes/heartbeat.js';
import type { ProbeConfig } from '../probes/registry.js';
import type { Outcome, ProbeResult } from '../probes/types.js';
import type { Store } from '../store/index.js';
import type { RecordedResult } from '../store/probes.js';
import type { Clock } from '../util/time.js';
import type { AutoIncidents, Failure } from './auto-incidents.js';
import { automatedStatus } from './component-status.js';
import { confirm, type ConfirmationState } from './confirmation.js';
import { impairment, type ImpairmentRules } from './impairment.js';

export interface MonitorOptions {
  store: Store;
  probes: ProbeConfig[];
  clock: Clock;
  log: FastifyBaseLogger;
  rules: ImpairmentRules;
  /** Raw outcomes older than this no longer count towards "failing at the same moment". */
  impairmentWindowMs: number;
  /** Opens, updates and closes incidents as statuses change (monitoring.auto_incidents). */
  autoIncidents?: AutoIncidents;
}

export interface Observation {
  probeId: string;
  at: number;
  result: ProbeResult;
}

/**
 * Turns probe results into component status. Every batch is one transaction: raw results, hourly
 * rollups, confirmation states, and any status changes (which record their events and history).
 * While the prober is impaired, results are still stored but statuses are frozen, and when it
 * recovers every automated status is recomputed from the confirmed outcomes.
 */
export class Monitor {
  private readonly probes: Map<string, ProbeConfig>;
  private readonly states = new Map<string, ConfirmationState>();
  private readonly latest = new Map<string, { outcome: Outcome; at: number }>();
  /** Each probe's latest failure, for what an automatic incident says failed. */
  private readonly lastFailure = new Map<string, Failure>();
  private readonly startedAt: number;

  constructor(private readonly options: MonitorOptions) {
    const { store, probes, clock } = options;
    this.probes = new Map(probes.map((p) => [p.id, p]));
    this.startedAt = clock();
    store.probes.syncFromConfig(probes, this.startedAt);
    for (const s of store.probes.states()) this.states.set(s.probeId, { confirmed: s.confirmed, streakOutcome: s.streakOutcome, streak: s.streak });
  }

  get impaired(): boolean {
    return this.options.store.proberHealth.get().impaired;
  }

  handle(observations: Observation[]): void {
    const { store } = this.options;
    const recorded: RecordedResult[] = [];
    // Component -> when the result that changed it was observed: the status changes at that moment.
    const touched = new Map<string, number>();
    for (const { probeId, at, result } of observations) {
      const probe = this.probes.get(probeId);
      const before = this.states.get(probeId);
      if (!probe || !before) continue;
      const { state, changed } = confirm(before, result.outcome, { failAfter: probe.fail_after, recoverAfter: probe.recover_after });
      this.states.set(probeId, state);
      this.latest.set(probeId, { outcome: result.outcome, at });
      if (result.layer) this.lastFailure.set(probeId, { layer: result.layer, code: result.code });
      recorded.push({ probeId, at, result, state, confirmedChanged: changed });
      if (changed && probe.component) touched.set(probe.component, Math.max(at, touched.get(probe.component) ?? 0));
    }
    if (recorded.length === 0) return;
    const now = this.options.clock();
    store.db.transaction(() => {
      store.probes.record(recorded);
      const recovered = this.updateImpairment(now);
      if (this.impaired) return;
      const components = recovered ? new Map([...this.componentsWithProbes()].map((id) => [id, now])) : touched;
      for (const [componentId, at] of components) this.applyComponentStatus(componentId, recorded, at);
    })();
  }

  /** Heartbeats are judged on a timer and at each check-in; they then take the same road as probe results. */
  judgeHeartbeats(probeIds?: string[]): void {
    const now = this.options.clock();
    const observations: Observation[] = [];
    for (const probe of this.probes.values()) {
      if (probe.type !== 'heartbeat' || (probeIds && !probeIds.includes(probe.id))) continue;
      const ping = this.options.store.heartbeats.lastPing(probe.id);
      observations.push({ probeId: probe.id, at: now, result: judgeHeartbeat(probe as HeartbeatProbeConfig, ping, this.startedAt, now) });
    }
    this.handle(observations);
  }

  /** Returns whether the prober was impaired before this update and has just recovered. */
  private updateImpairment(now: number): boolean {
    const { store, rules, impairmentWindowMs, log } = this.options;
    const controls: Outcome[] = [];
    const recent: Outcome[] = [];
    for (const [probeId, { outcome, at }] of this.latest) {
      const probe = this.probes.get(probeId)!;
      if (probe.control) controls.push(outcome);
      else if (probe.type !== 'heartbeat' && now - at <= impairmentWindowMs) recent.push(outcome);
    }
    const reason = impairment({ controls, recent }, rules);
    const health = store.proberHealth.get();
    if (reason && !health.impaired) {
      store.proberHealth.set({ impaired: true, since: now, reason });
      log.warn({ reason }, 'prober impaired: automated status changes are frozen');
    } else if (!reason && health.impaired) {
      store.proberHealth.set({ impaired: false, since: now, reason: '' });
      log.info('prober recovered: automated status changes resume');
      return true;
    }
    return false;
  }

  private componentsWithProbes(): Set<string> {
    return new Set([...this.probes.values()].flatMap((p) => (p.component ? [p.component] : [])));
  }

  private applyComponentStatus(componentId: string, recorded: RecordedResult[], now: number): void {
    const { store } = this.options;
    const probes = [...this.probes.values()].filter((p) => p.component === componentId);
    const status = automatedStatus(probes.map((p) => this.states.get(p.id)?.confirmed ?? 'up'));
    const component = store.components.get(componentId);
    if (!status || !component || component.automatedStatus === status) return;
    const failing = probes
      .map((p) => ({ p, r: recorded.find((x) => x.probeId === p.id)?.result }))
      .filter(({ p, r }) => r && this.states.get(p.id)?.confirmed !== 'up')
      .map(({ p, r }) => `${p.id}: ${r!.layer ?? 'ok'}${r!.code ? ` ${r!.code}` : ''}`);
    const cause = failing.length > 0 ? `probes ${failing.join('; ')}` : 'probes recovered';
    // Before the status is stored: the incident's update records the status the component leaves.
    this.options.autoIncidents?.statusChanged(
      component,
      status,
      probes.filter((p) => this.states.get(p.id)?.confirmed !== 'up').flatMap((p) => this.lastFailure.get(p.id) ?? []),
    );
    // An override (operator, incident, maintenance window) keeps the shown status; automation is remembered beneath it.
    store.components.setAutomated(componentId, status, cause, now);
  }
}
