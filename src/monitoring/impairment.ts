import type { Outcome } from '../probes/types.js';

export interface ImpairmentRules {
  /** Fraction of probes failing in the same window that points at the prober, not the services. */
  failingFraction: number;
  /** Below this many probes, the fraction rule says nothing (two probes failing together is plausible). */
  minProbes: number;
}

export interface ImpairmentInput {
  /** Latest outcome of each control probe (public resolvers, big sites): all failing = our network is down. */
  controls: Outcome[];
  /** Latest raw outcome of every service probe that ran within the window. */
  recent: Outcome[];
}

/**
 * Is the prober itself impaired? Either every control target fails, or most probes fail at the same
 * moment: real outages are rarely that correlated, a prober that lost its network or DNS always is.
 * Returns the reason, or undefined when the prober is healthy.
 *
 *   controls        recent (failing/total)   rules (0.8, min 5)   impaired?
 *   [down, down]    any                                           yes: control targets failing
 *   [up, down]      9/10                                          yes: 90% of probes failing at once
 *   []              4/4                                           no: fewer than 5 probes
 *   [up]            3/10                                          no
 */
export function impairment(input: ImpairmentInput, rules: ImpairmentRules): string | undefined {
  const failing = (o: Outcome) => o === 'down' || o === 'partial';
  if (input.controls.length > 0 && input.controls.every(failing)) {
    return `all ${input.controls.length} control target${input.controls.length === 1 ? '' : 's'} failing`;
  }
  if (input.recent.length >= rules.minProbes) {
    const share = input.recent.filter(failing).length / input.recent.length;
    if (share >= rules.failingFraction) return `${Math.round(share * 100)}% of probes failing at once`;
  }
  return undefined;
}
