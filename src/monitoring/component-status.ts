import type { Outcome } from '../probes/types.js';
import type { ComponentStatus } from '../status/types.js';

/**
 * A component's automated status from the confirmed outcomes of its probes:
 *
 *   probes' confirmed outcomes           status
 *   none                                 (no automated status)
 *   all up                               operational
 *   any degraded, none failing           degraded_performance
 *   some down or partial, not all down   partial_outage
 *   one probe, partial                   partial_outage
 *   all down                             major_outage
 */
export function automatedStatus(outcomes: Outcome[]): ComponentStatus | undefined {
  if (outcomes.length === 0) return undefined;
  const down = outcomes.filter((o) => o === 'down').length;
  const partial = outcomes.filter((o) => o === 'partial').length;
  if (down === outcomes.length) return 'major_outage';
  if (down > 0 || partial > 0) return 'partial_outage';
  if (outcomes.includes('degraded')) return 'degraded_performance';
  return 'operational';
}
