import type { ComponentStatus } from './types.js';

export interface DependencyNode {
  id: string;
  status: ComponentStatus;
  dependsOn: string[];
}

/**
 * For each component, the root causes among its (transitive) dependencies: dependencies that are
 * not operational and whose own dependencies are all operational. A web tier that depends on a
 * cache that depends on a failing disk points at the disk, not at the cache. A failing component's
 * own status is left as it is; this only says where to look.
 */
export function rootCauses(nodes: DependencyNode[]): Map<string, string[]> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const memo = new Map<string, string[]>();
  const unhealthy = (n: DependencyNode) => n.status !== 'operational';

  // Roots reachable through `id`'s dependencies (not counting `id` itself).
  const rootsBelow = (id: string, path: Set<string>): string[] => {
    const cached = memo.get(id);
    if (cached) return cached;
    const found: string[] = [];
    for (const depId of byId.get(id)?.dependsOn ?? []) {
      const dep = byId.get(depId);
      if (!dep || path.has(depId)) continue; // hidden dependency or a cycle (config rejects cycles)
      path.add(depId);
      const deeper = rootsBelow(depId, path);
      path.delete(depId);
      if (deeper.length > 0) found.push(...deeper);
      else if (unhealthy(dep)) found.push(depId);
    }
    const unique = [...new Set(found)];
    memo.set(id, unique);
    return unique;
  };

  const out = new Map<string, string[]>();
  for (const n of nodes) {
    const roots = rootsBelow(n.id, new Set([n.id]));
    if (roots.length > 0) out.set(n.id, roots);
  }
  return out;
}
