import { describe, expect, it } from 'vitest';
import { rootCauses, type DependencyNode } from '../../src/status/dependencies.js';

const node = (id: string, status: DependencyNode['status'], dependsOn: string[] = []): DependencyNode => ({ id, status, dependsOn });

describe('rootCauses', () => {
  it('points a dependent at its failing dependency, without touching its own status', () => {
    const causes = rootCauses([node('api', 'operational', ['database', 'dns']), node('database', 'major_outage'), node('dns', 'operational')]);
    expect(Object.fromEntries(causes)).toEqual({ api: ['database'] });
  });

  it('points at the root, not the middle: web -> cache -> disk', () => {
    const causes = rootCauses([
      node('web', 'degraded_performance', ['cache']),
      node('cache', 'degraded_performance', ['disk']),
      node('disk', 'partial_outage'),
    ]);
    expect(causes.get('web')).toEqual(['disk']);
    expect(causes.get('cache')).toEqual(['disk']);
    expect(causes.has('disk')).toBe(false);
  });

  it('lists every distinct root once, through diamonds', () => {
    const causes = rootCauses([
      node('app', 'operational', ['a', 'b']),
      node('a', 'operational', ['db']),
      node('b', 'operational', ['db', 'dns']),
      node('db', 'major_outage'),
      node('dns', 'degraded_performance'),
    ]);
    expect(causes.get('app')).toEqual(['db', 'dns']);
  });

  it('says nothing when every dependency is operational', () => {
    expect(rootCauses([node('api', 'major_outage', ['db']), node('db', 'operational')]).size).toBe(0);
  });

  it('ignores dependencies that are hidden (absent) and survives a cycle', () => {
    const causes = rootCauses([node('a', 'operational', ['b', 'gone']), node('b', 'major_outage', ['a'])]);
    expect(causes.get('a')).toEqual(['b']);
  });
});
