import { benchYaml, componentIds } from './seed.js';

/**
 * The probe benchmark's configurations, as YAML text so that they go through parseConfig exactly
 * like a user's file: the 50-component page of bench/seed.ts plus `count` HTTP probes dealt evenly
 * over its components.
 */

export interface ProbeSet {
  count: number;
  intervalMs: number;
  timeoutMs: number;
  /** Where probe i points; only loopback addresses in this benchmark. */
  url: (i: number) => string;
  /** Turn on the response-time chart of every component (more work per rebuild). */
  showLatency?: boolean;
}

/**
 * Probe ids as an operator would write them ("svc-07-http-13": 15 characters), not "p1": the id is
 * stored in every raw result, every rollup and two indexes, so its length is part of the file size.
 */
export function probeIds(count: number): { id: string; component: string }[] {
  const components = componentIds();
  return Array.from({ length: count }, (_, i) => {
    const component = components[i % components.length]!;
    const n = Math.floor(i / components.length) + 1;
    return { id: `${component}-http-${String(n).padStart(2, '0')}`, component };
  });
}

export function probesYaml(set: ProbeSet): string {
  const components = set.showLatency ? benchYaml().replace(/ \}$/gm, ', show_latency: true }') : benchYaml();
  const lines = ['probes:'];
  probeIds(set.count).forEach(({ id, component }, i) => {
    lines.push(`  - { id: ${id}, type: http, component: ${component}, url: "${set.url(i)}", interval: ${set.intervalMs}ms, timeout: ${set.timeoutMs}ms }`);
  });
  return components + lines.join('\n') + '\n';
}
