import { describe, expect, it } from 'vitest';
import { pageStatus, worstStatus } from '../../src/status/indicator.js';
import type { ComponentStatus, Impact } from '../../src/status/types.js';

describe('pageStatus (Statuspage rules)', () => {
  it.each<[string, ComponentStatus[], Impact[], boolean, string, string]>([
    ['all operational', ['operational', 'operational'], [], false, 'none', 'All Systems Operational'],
    ['maintenance only', ['operational', 'under_maintenance'], [], false, 'maintenance', 'Service Under Maintenance'],
    ['maintenance in progress without component', ['operational'], [], true, 'maintenance', 'Service Under Maintenance'],
    ['degraded component', ['degraded_performance'], [], false, 'minor', 'Partially Degraded Service'],
    ['partial outage', ['partial_outage', 'degraded_performance'], [], false, 'major', 'Partial System Outage'],
    ['major outage', ['major_outage', 'partial_outage'], [], false, 'critical', 'Major Service Outage'],
    ['minor incident, components fine', ['operational'], ['minor'], false, 'minor', 'Minor Service Outage'],
    ['major incident', ['operational'], ['major'], false, 'major', 'Partial System Outage'],
    ['critical incident beats degraded', ['degraded_performance'], ['critical'], false, 'critical', 'Major Service Outage'],
    ['outage beats maintenance', ['under_maintenance', 'partial_outage'], [], true, 'major', 'Partial System Outage'],
    ['incident of impact none', ['operational'], ['none'], false, 'none', 'All Systems Operational'],
    ['incident wording wins a tie', ['degraded_performance'], ['minor'], false, 'minor', 'Minor Service Outage'],
  ])('%s', (_name, statuses, impacts, maintenance, indicator, description) => {
    const result = pageStatus(statuses, impacts.map((impact) => ({ impact, impactOverride: null })), maintenance);
    expect(result).toEqual({ indicator, description });
  });

  it('uses the impact override over the impact', () => {
    expect(pageStatus([], [{ impact: 'minor', impactOverride: 'critical' }], false).indicator).toBe('critical');
  });
});

describe('worstStatus', () => {
  it.each<[ComponentStatus[], ComponentStatus]>([
    [[], 'operational'],
    [['operational', 'under_maintenance'], 'under_maintenance'],
    [['under_maintenance', 'degraded_performance'], 'degraded_performance'],
    [['major_outage', 'degraded_performance', 'partial_outage'], 'major_outage'],
  ])('%j -> %s', (statuses, expected) => {
    expect(worstStatus(statuses)).toBe(expected);
  });
});
