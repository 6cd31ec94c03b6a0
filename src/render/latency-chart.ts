import type { LatencyPoint } from '../status/types.js';
import { escapeHtml } from './escape.js';

export type { LatencyPoint };

/** Hours of response time charted on the page. */
export const LATENCY_HOURS = 24;

const WIDTH = 600;
const HEIGHT = 120;
const PAD_LEFT = 44;
const PAD_BOTTOM = 18;

/**
 * A server-rendered response-time chart: an inline SVG (no script, no request), mean as a line and
 * p95 as a band edge, with a text summary for screen readers and for anyone who cannot see colour.
 */
export function latencyChart(name: string, points: LatencyPoint[], hours: number, now: number, label: (ms: number) => string): string {
  if (points.length === 0) return '';
  const start = Math.floor(now / 3_600_000) * 3_600_000 - (hours - 1) * 3_600_000;
  const top = niceMax(Math.max(...points.map((p) => p.p95 ?? p.mean)));
  const x = (hour: number) => PAD_LEFT + ((hour - start) / ((hours - 1) * 3_600_000)) * (WIDTH - PAD_LEFT - 4);
  const y = (ms: number) => 4 + (1 - ms / top) * (HEIGHT - PAD_BOTTOM - 4);
  const path = (values: [number, number][]) => values.map(([h, v], i) => `${i === 0 ? 'M' : 'L'}${x(h).toFixed(1)} ${y(v).toFixed(1)}`).join(' ');
  const means = points.map((p): [number, number] => [p.hour, p.mean]);
  const p95s = points.filter((p) => p.p95 !== null).map((p): [number, number] => [p.hour, p.p95!]);
  const overallMean = points.reduce((s, p) => s + p.mean, 0) / points.length;
  const worstP95 = p95s.length ? Math.max(...p95s.map(([, v]) => v)) : null;
  const summary = `${name}: response time over the last ${hours} hours, mean ${Math.round(overallMean)} ms${worstP95 !== null ? `, highest hourly p95 ${Math.round(worstP95)} ms` : ''}.`;
  const grid = [0, top / 2, top]
    .map((v) => `<line class="grid" x1="${PAD_LEFT}" x2="${WIDTH}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"/><text class="axis" x="${PAD_LEFT - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${Math.round(v)} ms</text>`)
    .join('');
  return (
    `<figure class="latency"><svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeHtml(summary)}" preserveAspectRatio="none">` +
    grid +
    (p95s.length > 1 ? `<path class="p95" d="${path(p95s)}"/>` : '') +
    `<path class="mean" d="${path(means)}"/>` +
    `<text class="axis" x="${PAD_LEFT}" y="${HEIGHT - 4}">${escapeHtml(label(start))}</text>` +
    `<text class="axis" x="${WIDTH}" y="${HEIGHT - 4}" text-anchor="end">now</text>` +
    `</svg><figcaption class="small muted">${escapeHtml(summary)} <span class="key-mean">mean</span> <span class="key-p95">p95</span></figcaption></figure>`
  );
}

/** A round axis maximum above the largest value: 1, 2 or 5 times a power of ten. */
export function niceMax(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}
