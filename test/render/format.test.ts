import { describe, expect, it } from 'vitest';
import { duration, percent } from '../../src/render/format.js';

describe('format', () => {
  it('says how long a component was down: seconds when it was less than a minute, never "0 min"', () => {
    expect(duration(1)).toBe('1 s');
    expect(duration(0.2)).toBe('1 s');
    expect(duration(45)).toBe('45 s');
    expect(duration(59.6)).toBe('1 min');
    expect(duration(540)).toBe('9 min');
    expect(duration(3600)).toBe('1 h');
    expect(duration(8100)).toBe('2 h 15 min');
  });

  it('never rounds an outage up to 100%', () => {
    expect(percent(0.99999)).toBe('99.99%');
    expect(percent(1 - 1 / 86_400)).toBe('99.99%'); // one second down of a day
    // Exact values are not floored below themselves by binary floating point.
    expect(percent(0.69)).toBe('69.00%');
    expect(percent(0.5225)).toBe('52.25%');
    expect(percent(1)).toBe('100.00%');
    expect(percent(null)).toBe('No data');
  });
});
