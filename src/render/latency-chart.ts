import type { LatencyPoint } from '../status/types.js';
import { escapeHtml } from './escape.js';

export type { LatencyPoint };

/** Hours of response time charted on the page. */
export const LATENCY_HOURS = 24;

const WIDTH = 600;
const HEIGHT = 100;
/** Room above the top line and below the zero line, in viewBox units (percent of the height). */
const PAD = 2;

/**
 * A server-rendered response-time chart: an inline SVG (no script, no request), mean as a line and
 * p95 as a band edge, with a text summary for screen readers and for anyone who cannot see colour.
 * The plot stretches to the width it is given (preserveAspectRatio="none", strokes that do not
 * scale); its axis labels are HTML beside it, placed by CSS at the grid lines' heights, so that they
 * keep their size and shape at 320 px as at 1280.
 */
export function latencyChart(name: string, points: LatencyPoint[], hours: number, now: number, label: (ms: number) => string): string {
  if (points.length === 0) return '';
  const start = Math.floor(now / 3_600_000) * 3_600_000 - (hours - 1) * 3_600_000;
  const top = niceMax(Math.max(...points.map((p) => p.p95 ?? p.mean)));
  const x = (hour: number) => ((hour - start) / ((hours - 1) * 3_600_000)) * WIDTH;
  const y = (ms: number) => PAD + (1 - ms / top) * (HEIGHT - 2 * PAD);
  const path = (values: [number, number][]) => values.map(([h, v], i) => `${i === 0 ? 'M' : 'L'}${x(h).toFixed(1)} ${y(v).toFixed(1)}`).join(' ');
  const means = points.map((p): [number, number] => [p.hour, p.mean]);
  const p95s = points.filter((p) => p.p95 !== null).map((p): [number, number] => [p.hour, p.p95!]);
  const overallMean = points.reduce((s, p) => s + p.mean, 0) / points.length;
  const worstP95 = p95s.length ? Math.max(...p95s.map(([, v]) => v)) : null;
  const summary = `${name}: response time over the last ${hours} hours, mean ${Math.round(overallMean)} ms${worstP95 !== null ? `, highest hourly p95 ${Math.round(worstP95)} ms` : ''}.`;
  const levels = [
    [top, 'top'],
    [top / 2, 'mid'],
    [0, 'zero'],
  ] as const;
  const grid = levels.map(([v]) => `<line class="grid" x1="0" x2="${WIDTH}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"/>`).join('');
  const yLabels = levels.map(([v, at]) => `<span class="y y-${at}">${Math.round(v)} ms</span>`).join('');
  return (
    `<figure class="latency"><div class="plot">` +
    `<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeHtml(summary)}" preserveAspectRatio="none">` +
    grid +
    (p95s.length > 1 ? `<path class="p95" d="${path(p95s)}"/>` : '') +
    `<path class="mean" d="${path(means)}"/>` +
    `</svg><div aria-hidden="true">${yLabels}</div></div>` +
    `<p class="x" aria-hidden="true"><span>${escapeHtml(label(start))}</span><span>now</span></p>` +
    `<figcaption class="small muted">${escapeHtml(summary)} <span class="key-mean">mean</span> <span class="key-p95">p95</span></figcaption></figure>`
  );
}

/** A round axis maximum above the largest value: 1, 2 or 5 times a power of ten. */
export function niceMax(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}
