import type { Outcome } from '../probes/types.js';

/**
 * Confirmation: a probe's confirmed outcome changes only after `fail_after` consecutive failing
 * results (or `recover_after` passing ones), so one lost packet never paints the page red.
 *
 *   confirmed  streak         new result  fail_after=3  ->  confirmed  streak
 *   up         up x5          down                          up         down x1
 *   up         down x2        down                          down       down x3   (changed)
 *   up         down x2        up                            up         up x1     (streak broken)
 *   down       up x1          up          recover_after=2   up         up x2     (changed)
 *   up         down x1        partial                       up         partial x1 (a different failure restarts the count)
 *   down       partial x2     partial                       partial    partial x3 (moves between failure kinds after fail_after too)
 *
 * "Failing" is anything but up; degraded counts as failing so that slowness must also be confirmed.
 */
export interface ConfirmationState {
  confirmed: Outcome;
  streakOutcome: Outcome;
  streak: number;
}

export interface Thresholds {
  failAfter: number;
  recoverAfter: number;
}

export function confirm(state: ConfirmationState, outcome: Outcome, t: Thresholds): { state: ConfirmationState; changed: boolean } {
  const streak = outcome === state.streakOutcome ? state.streak + 1 : 1;
  const needed = outcome === 'up' ? t.recoverAfter : t.failAfter;
  const confirmed = outcome !== state.confirmed && streak >= needed ? outcome : state.confirmed;
  return { state: { confirmed, streakOutcome: outcome, streak }, changed: confirmed !== state.confirmed };
}

export const INITIAL_CONFIRMATION: ConfirmationState = { confirmed: 'up', streakOutcome: 'up', streak: 0 };
