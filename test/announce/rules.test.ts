import { describe, expect, it } from 'vitest';
import { retryDelay } from '../../src/announce/dispatcher.js';
import { channelWants, componentChangeImpact, updateEvent, type ChannelFilters, type EventFacts } from '../../src/announce/filter.js';
import { classifyStatus, parseRetryAfter } from '../../src/announce/http.js';

const all: ChannelFilters = { min_impact: 'none' };
const facts = (kind: EventFacts['kind'], impact: EventFacts['impact'] = 'none', componentIds: string[] = ['api']): EventFacts => ({ kind, impact, componentIds });

describe('channelWants: the per-channel filters', () => {
  it.each<[string, ChannelFilters, EventFacts, boolean]>([
    ['defaults: incident events pass', all, facts('incident.created'), true],
    ['defaults: maintenance events pass', all, facts('maintenance.started', 'maintenance'), true],
    ['defaults: component changes only when asked', all, facts('component.status', 'critical'), false],
    ['events listed: component.status', { ...all, events: ['component.status'] }, facts('component.status', 'critical'), true],
    ['events listed: kind not in the list', { ...all, events: ['incident.resolved'] }, facts('incident.created'), false],
    ['events listed: kind in the list', { ...all, events: ['incident.resolved'] }, facts('incident.resolved'), true],
    ['components: touches a listed one', { ...all, components: ['api', 'db'] }, facts('incident.created', 'none', ['db']), true],
    ['components: touches none of them', { ...all, components: ['api'] }, facts('incident.created', 'none', ['website']), false],
    ['components: event without components', { ...all, components: ['api'] }, facts('incident.created', 'none', []), false],
    ['min_impact major: minor incident', { min_impact: 'major' }, facts('incident.created', 'minor'), false],
    ['min_impact major: major incident', { min_impact: 'major' }, facts('incident.updated', 'major'), true],
    ['min_impact major: critical incident', { min_impact: 'major' }, facts('incident.resolved', 'critical'), true],
    ['min_impact critical: maintenance always passes', { min_impact: 'critical' }, facts('maintenance.scheduled', 'maintenance'), true],
    ['min_impact minor: none-impact incident', { min_impact: 'minor' }, facts('incident.created', 'none'), false],
    ['all three at once', { events: ['component.status'], components: ['api'], min_impact: 'major' }, facts('component.status', 'critical', ['api']), true],
    ['all three, impact too low', { events: ['component.status'], components: ['api'], min_impact: 'major' }, facts('component.status', 'minor', ['api']), false],
  ])('%s', (_name, channel, event, expected) => {
    expect(channelWants(channel, event)).toBe(expected);
  });
});

describe('componentChangeImpact: the worse side of a change', () => {
  it.each([
    ['operational', 'major_outage', 'critical'],
    ['major_outage', 'operational', 'critical'],
    ['operational', 'partial_outage', 'major'],
    ['degraded_performance', 'operational', 'minor'],
    ['partial_outage', 'degraded_performance', 'major'],
    ['operational', 'under_maintenance', 'maintenance'],
    ['under_maintenance', 'operational', 'maintenance'],
    ['under_maintenance', 'major_outage', 'critical'],
  ] as const)('%s → %s is %s', (from, to, impact) => {
    expect(componentChangeImpact(from, to)).toBe(impact);
  });
});

describe('updateEvent: which event an update is', () => {
  it.each([
    ['incident', 'investigating', 'identified', 'incident.updated'],
    ['incident', 'monitoring', 'resolved', 'incident.resolved'],
    ['incident', 'investigating', 'postmortem', 'incident.resolved'],
    ['incident', 'resolved', 'resolved', 'incident.updated'],
    ['incident', 'resolved', 'postmortem', 'incident.updated'],
    ['incident', 'resolved', 'investigating', 'incident.updated'],
    ['maintenance', 'scheduled', 'in_progress', 'maintenance.started'],
    ['maintenance', 'scheduled', 'scheduled', 'maintenance.updated'],
    ['maintenance', 'in_progress', 'verifying', 'maintenance.updated'],
    ['maintenance', 'in_progress', 'completed', 'maintenance.completed'],
    ['maintenance', 'scheduled', 'completed', 'maintenance.completed'],
    ['maintenance', 'completed', 'completed', 'maintenance.updated'],
  ] as const)('%s %s → %s is %s', (kind, before, after, event) => {
    expect(updateEvent(kind, before, after)).toBe(event);
  });
});

describe('retryDelay: exponential backoff with jitter, or later if the receiver says so', () => {
  const backoff = { baseMs: 10_000, maxMs: 600_000 };
  it.each([
    // attempt, retryAfterMs, random, delay
    [1, undefined, 0, 5_000],
    [1, undefined, 0.999999, 10_000],
    [2, undefined, 0, 10_000],
    [3, undefined, 0.5, 30_000],
    [7, undefined, 1, 600_000], // 640 s capped at 600 s
    [50, undefined, 0, 300_000],
    [1, 42_000, 0.7, 42_000], // Retry-After wins, without jitter
    [6, 1_000, 0, 160_000], // ...but never sooner than the backoff's floor: half of 320 s
    [2, 0, 0.5, 10_000],
    [1, 1_000, 0.9, 5_000],
  ])('attempt %i, Retry-After %s, random %s → %i ms', (attempt, retryAfter, random, delay) => {
    expect(retryDelay(attempt, retryAfter, random, backoff)).toBe(delay);
  });
});

describe('HTTP outcomes', () => {
  it.each([
    [200, 'ok'],
    [204, 'ok'],
    [301, 'permanent'],
    [400, 'permanent'],
    [401, 'permanent'],
    [404, 'permanent'],
    [408, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
  ] as const)('%i is %s', (status, outcome) => {
    expect(classifyStatus(status)).toBe(outcome);
  });

  const now = Date.UTC(2026, 10, 22, 12, 0, 0);
  it.each<[string | undefined, number | undefined]>([
    ['120', 120_000],
    [' 0 ', 0],
    ['Sun, 22 Nov 2026 12:01:30 GMT', 90_000],
    ['Sun, 22 Nov 2026 11:00:00 GMT', 0],
    ['soon', undefined],
    ['-5', undefined],
    [undefined, undefined],
  ])('Retry-After %s is %s ms', (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });
});
