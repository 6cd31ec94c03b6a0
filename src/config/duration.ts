import { z } from 'zod';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** "500ms", "30s", "5m", "24h", "7d" to milliseconds; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const match = PATTERN.exec(text.trim());
  if (!match) return undefined;
  return Math.round(Number(match[1]) * UNITS[match[2]!]!);
}

/** A zod field taking a duration string (or a bare number of milliseconds) and giving milliseconds. */
export function duration(opts: { min?: number; max?: number } = {}) {
  const { min = 0, max = 400 * 86_400_000 } = opts;
  return z
    .union([z.string(), z.number()])
    .transform((value, ctx) => {
      const ms = typeof value === 'number' ? value : parseDuration(value);
      if (ms === undefined || !Number.isFinite(ms)) {
        ctx.addIssue({ code: 'custom', message: `expected a duration such as 500ms, 30s, 5m, 24h or 7d, got "${value}"` });
        return z.NEVER;
      }
      if (ms < min || ms > max) {
        ctx.addIssue({ code: 'custom', message: `expected a duration between ${formatDuration(min)} and ${formatDuration(max)}, got ${formatDuration(ms)}` });
        return z.NEVER;
      }
      return ms;
    });
}

export function formatDuration(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
