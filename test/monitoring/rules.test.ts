import { describe, expect, it } from 'vitest';
import { automatedStatus } from '../../src/monitoring/component-status.js';
import { confirm, INITIAL_CONFIRMATION, type ConfirmationState } from '../../src/monitoring/confirmation.js';
import { impairment } from '../../src/monitoring/impairment.js';
import { judgeHeartbeat } from '../../src/probes/heartbeat.js';
import type { Outcome } from '../../src/probes/types.js';

const state = (confirmed: Outcome, streakOutcome: Outcome, streak: number): ConfirmationState => ({ confirmed, streakOutcome, streak });

describe('confirm', () => {
  it.each<[ConfirmationState, Outcome, number, number, ConfirmationState, boolean]>([
    [state('up', 'up', 5), 'down', 3, 2, state('up', 'down', 1), false],
    [state('up', 'down', 2), 'down', 3, 2, state('down', 'down', 3), true],
    [state('up', 'down', 2), 'up', 3, 2, state('up', 'up', 1), false],
    [state('down', 'up', 1), 'up', 3, 2, state('up', 'up', 2), true],
    [state('up', 'down', 1), 'partial', 2, 2, state('up', 'partial', 1), false],
    [state('down', 'partial', 2), 'partial', 3, 2, state('partial', 'partial', 3), true],
    [state('up', 'degraded', 1), 'degraded', 2, 2, state('degraded', 'degraded', 2), true],
    [state('down', 'down', 9), 'down', 3, 2, state('down', 'down', 10), false],
    [INITIAL_CONFIRMATION, 'down', 1, 1, state('down', 'down', 1), true],
  ])('%j + %s (fail_after %i, recover_after %i)', (before, outcome, failAfter, recoverAfter, after, changed) => {
    expect(confirm(before, outcome, { failAfter, recoverAfter })).toEqual({ state: after, changed });
  });

  it('one lost packet never changes the confirmed outcome with fail_after 2', () => {
    let s = INITIAL_CONFIRMATION;
    const seen: Outcome[] = [];
    for (const o of ['up', 'down', 'up', 'up', 'down', 'up'] as Outcome[]) {
      s = confirm(s, o, { failAfter: 2, recoverAfter: 2 }).state;
      seen.push(s.confirmed);
    }
    expect(seen).toEqual(['up', 'up', 'up', 'up', 'up', 'up']);
  });
});

describe('automatedStatus', () => {
  it.each<[Outcome[], string | undefined]>([
    [[], undefined],
    [['up'], 'operational'],
    [['up', 'up'], 'operational'],
    [['degraded', 'up'], 'degraded_performance'],
    [['partial'], 'partial_outage'],
    [['down', 'up'], 'partial_outage'],
    [['down', 'degraded'], 'partial_outage'],
    [['down'], 'major_outage'],
    [['down', 'down'], 'major_outage'],
  ])('%j -> %s', (outcomes, status) => {
    expect(automatedStatus(outcomes)).toBe(status);
  });
});

describe('impairment', () => {
  const rules = { failingFraction: 0.8, minProbes: 5 };
  it.each<[Outcome[], Outcome[], string | undefined]>([
    [['down', 'down'], ['up'], 'all 2 control targets failing'],
    [['up', 'down'], ['down', 'down', 'down', 'down', 'down', 'down', 'down', 'down', 'down', 'up'], '90% of probes failing at once'],
    [[], ['down', 'down', 'down', 'down'], undefined],
    [['up'], ['down', 'down', 'down', 'up', 'up', 'up', 'up', 'up', 'up', 'up'], undefined],
    [['partial'], [], 'all 1 control target failing'],
  ])('controls %j, recent %j -> %s', (controls, recent, reason) => {
    expect(impairment({ controls, recent }, rules)).toBe(reason);
  });
});

describe('judgeHeartbeat', () => {
  const config = { every: 3600_000, grace: 600_000 };
  const t0 = Date.UTC(2026, 10, 22, 0, 0);
  it.each<[string, { at: number; ok: boolean; message: string | null } | undefined, number, Outcome, string | undefined]>([
    ['waiting for the first check-in', undefined, t0 + 3600_000, 'up', undefined],
    ['never checked in past the deadline', undefined, t0 + 4300_000, 'down', 'MISSED'],
    ['on time', { at: t0 + 3600_000, ok: true, message: null }, t0 + 7000_000, 'up', undefined],
    ['late', { at: t0 + 3600_000, ok: true, message: null }, t0 + 7900_000, 'down', 'MISSED'],
    ['reported failure', { at: t0 + 3600_000, ok: false, message: 'exit 1' }, t0 + 3601_000, 'down', 'REPORTED_FAILURE'],
  ])('%s', (_name, ping, now, outcome, code) => {
    const r = judgeHeartbeat(config, ping, t0, now);
    expect(r.outcome).toBe(outcome);
    expect(r.code).toBe(code);
    if (code) expect(r.layer).toBe('heartbeat');
  });
});
