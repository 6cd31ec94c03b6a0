import type { AutoIncidentMode } from '../config/schema.js';
import { SYSTEM, type IncidentService } from '../operations/incidents.js';
import type { FailureLayer } from '../probes/types.js';
import { STATUS_LABEL } from '../render/format.js';
import { escapeMarkdown } from '../render/markdown.js';
import type { Store } from '../store/index.js';
import type { Component, ComponentStatus, Incident } from '../status/types.js';

export interface AutoIncidentPolicy {
  /** off, draft or publish for this component (its own setting, else the global one). */
  modeFor(componentId: string): AutoIncidentMode;
  /** Where an automatic incident goes when its component recovers. */
  recovery: 'monitoring' | 'resolved';
}

/** What failed, as the probes saw it: the layer and the raw code, never the target. */
export interface Failure {
  layer: FailureLayer;
  code?: string;
}

export type AutoAction =
  | { kind: 'none' }
  | { kind: 'open'; published: boolean }
  /** Worse (partial → major) or better but not yet recovered (major → partial or degraded). */
  | { kind: 'change' }
  /** Recovered, then failing again while the incident is still being monitored. */
  | { kind: 'relapse' }
  | { kind: 'recover'; status: 'monitoring' | 'resolved' };

const OUTAGE: ReadonlySet<ComponentStatus> = new Set(['partial_outage', 'major_outage']);

/**
 * What an automated status change does to the component's automatic incident.
 *
 *   new status        open automatic incident      operator override    action
 *   partial/major     none                         none                 open (draft or published by mode)
 *   partial/major     none                         set                  none: an operator already owns it
 *   partial/major     investigating/identified     -                    change (an update saying so)
 *   partial/major     monitoring                   -                    relapse (back to investigating)
 *   degraded          investigating/identified     -                    change (partly recovered)
 *   degraded          none or monitoring           -                    none: degraded alone opens nothing
 *   operational       investigating/identified     -                    recover (to monitoring or resolved)
 *   operational       monitoring                   -                    recover to resolved if so configured, else none
 *   anything          -  (mode off)                -                    none for new ones; open ones still follow
 */
export function autoAction(input: {
  mode: AutoIncidentMode;
  recovery: 'monitoring' | 'resolved';
  to: ComponentStatus;
  open: Pick<Incident, 'status'> | undefined;
  overridden: boolean;
}): AutoAction {
  const { mode, recovery, to, open, overridden } = input;
  if (!open) {
    if (mode === 'off' || overridden || !OUTAGE.has(to)) return { kind: 'none' };
    return { kind: 'open', published: mode === 'publish' };
  }
  const monitoring = open.status === 'monitoring';
  if (OUTAGE.has(to)) return monitoring ? { kind: 'relapse' } : { kind: 'change' };
  if (to === 'operational') {
    if (monitoring && recovery === 'monitoring') return { kind: 'none' };
    return { kind: 'recover', status: recovery };
  }
  return monitoring ? { kind: 'none' } : { kind: 'change' };
}

/** Plain words for a failing layer: customers read these on the page. */
const LAYER_WORDS: Record<FailureLayer, string> = {
  dns: 'DNS resolution failed',
  connect: 'connections failed',
  tls: 'the TLS handshake or certificate check failed',
  timeout: 'requests timed out',
  http_status: 'requests returned an unexpected HTTP status',
  assertion: 'responses did not contain what was expected',
  heartbeat: 'a scheduled job did not check in',
};

/**
 * "connections failed (ECONNREFUSED); requests timed out". Codes are errno names or HTTP statuses;
 * anything else (free text could name a host) is left out.
 */
export function describeFailures(failures: Failure[]): string {
  const byLayer = new Map<FailureLayer, Set<string>>();
  for (const f of failures) {
    const codes = byLayer.get(f.layer) ?? new Set<string>();
    if (f.code && /^[A-Z][A-Z0-9_]{1,40}$/.test(f.code)) codes.add(f.code.replace(/^HTTP_(\d{3})$/, 'HTTP $1'));
    byLayer.set(f.layer, codes);
  }
  return [...byLayer].map(([layer, codes]) => (codes.size > 0 ? `${LAYER_WORDS[layer]} (${[...codes].join(', ')})` : LAYER_WORDS[layer])).join('; ');
}

/**
 * Incidents opened, updated and closed by the probes. Runs inside the Monitor's transaction, before
 * the new automated status is stored, so that the incident's update records the status it left.
 * The statuses are recorded on the incident, not held by it: the probes keep driving them.
 */
export class AutoIncidents {
  constructor(
    private readonly store: Store,
    private readonly service: IncidentService,
    private readonly policy: AutoIncidentPolicy,
  ) {}

  statusChanged(component: Component, to: ComponentStatus, failures: Failure[]): void {
    const open = this.store.incidents.openAutomatic(component.id);
    const action = autoAction({
      mode: this.policy.modeFor(component.id),
      recovery: this.policy.recovery,
      to,
      open,
      overridden: component.manual !== null,
    });
    const what = STATUS_LABEL[to].toLowerCase();
    const why = describeFailures(failures);
    // The bodies are Markdown; the component's name is text in them, whatever characters it has.
    const name = escapeMarkdown(component.name);
    const detected = `Our monitoring detected a ${what} of ${name}${why ? `: ${why}` : ''}.`;
    const components = { [component.id]: to };
    switch (action.kind) {
      case 'none':
        return;
      case 'open':
        this.service.create(
          {
            name: `Investigating issues with ${component.name}`,
            status: 'investigating',
            body: `${detected} We are investigating.`,
            components,
            published: action.published,
            autoComponentId: component.id,
            holdComponents: false,
          },
          SYSTEM,
        );
        return;
      case 'change':
        this.service.update(open!.id, { body: `${name} is now in ${what}${why ? `: ${why}` : ''}.`, components, holdComponents: false }, SYSTEM);
        return;
      case 'relapse':
        this.service.update(open!.id, { status: 'investigating', body: `${detected} We are investigating again.`, components, holdComponents: false }, SYSTEM);
        return;
      case 'recover':
        this.service.update(
          open!.id,
          {
            status: action.status,
            body:
              action.status === 'resolved'
                ? `Our monitoring shows ${name} working normally again. This incident has been resolved.`
                : `Our monitoring shows ${name} working normally again. We are monitoring the results.`,
            components,
            holdComponents: false,
          },
          SYSTEM,
        );
    }
  }
}
