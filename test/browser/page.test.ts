/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/demo/seed.js';
import { latencyChart } from '../../src/render/latency-chart.js';
import { DEMO_CONFIG } from '../../src/settings.js';
import { makeTestApp, type TestApp } from '../helpers/app.js';
import { ARTIFACTS, launchChromium, saveScreenshot } from '../helpers/browser.js';

let t: TestApp;
let browser: Browser;
let origin: string;

beforeAll(async () => {
  t = await makeTestApp({ yaml: readFileSync(DEMO_CONFIG, 'utf8'), demo: true, now: Date.now() });
  seedDemo(t.app.store, t.clock.ms, 'Europe/Zurich');
  // What operators paste under stress: a log line far wider than any phone, in a code block.
  const active = t.app.store.incidents.listPublished().find((i) => i.status !== 'resolved' && i.kind === 'incident')!;
  const line = `ERROR upstream=cache-7 ${'x'.repeat(80)} conntrack table full, dropping packet ${'y'.repeat(60)}`;
  t.app.store.incidents.addUpdate(active.id, { status: active.status, body: `Still looking. From the logs:\n\n    ${line}\n\n| host | state |\n| --- | --- |\n| ${'z'.repeat(120)} | down |`, at: t.clock.ms });
  await t.app.publisher.rebuild();
  origin = await t.app.listen({ host: '127.0.0.1', port: 0 });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** Opens a page that records console errors, page errors, failed requests and every request to another origin. */
async function open(options: { width: number; javaScriptEnabled?: boolean; colorScheme?: 'light' | 'dark' }, path = '/') {
  const context = await browser.newContext({
    viewport: { width: options.width, height: 900 },
    javaScriptEnabled: options.javaScriptEnabled ?? true,
    colorScheme: options.colorScheme ?? 'light',
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console ${msg.type()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('request', (req) => {
    if (!req.url().startsWith(origin) && !req.url().startsWith('data:')) problems.push(`request to another host: ${req.url()}`);
  });
  // A navigation cancels what the page still loads (the favicon is fetched after 'load'): that is
  // the browser's choice, not a failure of the server. Any other failure, and any error status, is.
  page.on('requestfailed', (req) => {
    const error = req.failure()?.errorText;
    if (error !== 'net::ERR_ABORTED') problems.push(`request failed: ${req.url()}: ${error}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`answered ${res.status()}: ${res.url()}`);
  });
  const response = await page.goto(origin + path, { waitUntil: 'load' });
  return { page, context, problems, response };
}

/** WCAG 2 contrast of every text element against its nearest opaque background. */
function lowContrast(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const parse = (c: string) => {
      const m = c.match(/rgba?\(([\d.]+), ([\d.]+), ([\d.]+)(?:, ([\d.]+))?\)/);
      return m ? { r: +m[1]!, g: +m[2]!, b: +m[3]!, a: m[4] === undefined ? 1 : +m[4] } : { r: 0, g: 0, b: 0, a: 0 };
    };
    const lum = ({ r, g, b }: { r: number; g: number; b: number }) => {
      const f = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const background = (el: Element | null) => {
      for (let e = el; e; e = e.parentElement) {
        const bg = parse(getComputedStyle(e).backgroundColor);
        if (bg.a > 0.5) return bg;
      }
      return parse(getComputedStyle(document.documentElement).backgroundColor || 'rgb(255, 255, 255)');
    };
    const failures: string[] = [];
    for (const el of document.querySelectorAll('body *')) {
      const hasText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent!.trim() !== '');
      const style = getComputedStyle(el);
      const rect = el.getBoundingClientRect();
      if (!hasText || style.visibility === 'hidden' || rect.width <= 1 || rect.height <= 1) continue;
      const fg = lum(parse(style.color));
      const bg = lum(background(el));
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      const large = parseFloat(style.fontSize) >= 24 || (parseFloat(style.fontSize) >= 18.66 && +style.fontWeight >= 700);
      if (ratio < (large ? 3 : 4.5)) failures.push(`${el.tagName}.${el.className} "${el.textContent!.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
    }
    return failures;
  });
}

describe('the public page in Debian chromium', () => {
  it.each([1280, 375, 320])('renders at %i px with no console error, no third-party request, no horizontal scroll', async (width) => {
    const { page, context, problems, response } = await open({ width });
    expect(response?.status()).toBe(200);
    expect(problems).toEqual([]);
    await expect(page.locator('h1').first().textContent()).resolves.toMatch(/Service|Operational|Outage|Maintenance/);
    expect(await page.locator('.component').count()).toBe(8);
    // The pasted log line is on the page, in a block that scrolls on its own.
    expect(await page.locator('.md pre').first().textContent()).toContain('conntrack table full');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    if (width !== 320) await saveScreenshot(page, `status-page-${width}.png`);
    await context.close();
  });

  it.each(['light', 'dark'] as const)('meets WCAG AA contrast in the %s scheme', async (colorScheme) => {
    const { page, context, problems } = await open({ width: 1280, colorScheme });
    expect(problems).toEqual([]);
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bg).toBe(colorScheme === 'dark' ? 'rgb(13, 17, 23)' : 'rgb(255, 255, 255)');
    expect(await lowContrast(page)).toEqual([]);
    // The checker itself must be able to fail: grey on the page's background is reported.
    await page.evaluate(() => {
      const p = document.createElement('p');
      p.id = 'probe';
      p.textContent = 'faint';
      p.style.color = getComputedStyle(document.body).backgroundColor.replace(/\d+/g, (v) => String(Math.abs(+v - 40)));
      document.querySelector('main')!.append(p);
    });
    expect(await lowContrast(page)).toEqual([expect.stringMatching(/^P\. "faint"/)]);
    await context.close();
  });

  it('works without JavaScript: every section and the incident pages', async () => {
    const { page, context, problems } = await open({ width: 1280, javaScriptEnabled: false });
    expect(await page.locator('section h2').allTextContents()).toEqual(
      expect.arrayContaining(['Active incidents', 'Scheduled maintenance', 'Components', 'Past incidents']),
    );
    // Groups are <details>: they fold and unfold without script.
    const group = page.locator('details.group').first();
    const marker = () => group.locator('summary .name').evaluate((el) => getComputedStyle(el, '::before').content);
    expect(await marker()).toBe('"▾"');
    await group.locator('summary').click();
    expect(await group.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
    // A flex summary has no triangle of its own: the drawn one says the group is folded.
    expect(await marker()).toBe('"▸"');
    await page.locator('.incident .title a').first().click();
    await page.waitForURL(/\/incidents\//);
    expect(await page.locator('.updates .update').count()).toBeGreaterThanOrEqual(2);
    await page.goto(`${origin}/history`);
    expect(await page.locator('h1').textContent()).toBe('Incident history');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows each uptime day as text on hover, not colour alone', async () => {
    const { page, context } = await open({ width: 1280 });
    const bar = page.locator('.bars li').last();
    await bar.hover();
    const text = bar.locator('span');
    expect(await text.isVisible()).toBe(true);
    expect(await text.textContent()).toMatch(/^\d{1,2} \w{3,4}( – \d{1,2} \w{3,4})?: (\d+\.\d\d% uptime|no downtime|no data)/);
    await context.close();
  });

  it('reaches the days with something to say by keyboard, and shows their text', async () => {
    const { page, context } = await open({ width: 1280 });
    let focused = '';
    for (let i = 0; i < 60 && !focused; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => (document.activeElement?.closest('.bars') ? document.activeElement.textContent ?? '' : ''));
    }
    expect(focused).toMatch(/incidents: |uptime|worst status/);
    const span = page.locator('.bars li:focus span');
    expect(await span.isVisible()).toBe(true);
    expect((await span.boundingBox())!.width).toBeGreaterThan(100);
    await context.close();
  });

  it.each([320, 375])('keeps every day text of the phone view on a %i px screen', async (width) => {
    const { page, context } = await open({ width });
    const days = page.locator('.bars li:not(.o)');
    const count = await days.count();
    expect(count).toBeGreaterThan(0);
    const outside: string[] = [];
    for (let i = 0; i < count; i++) {
      const day = days.nth(i);
      await day.hover();
      const box = (await day.locator('span').boundingBox())!;
      if (box.x < 0 || box.x + box.width > width) outside.push(`${await day.locator('span').textContent()}: ${Math.round(box.x)}..${Math.round(box.x + box.width)}`);
    }
    expect(outside).toEqual([]);
    await context.close();
  });

  it.each([320, 1280])('draws the response-time chart with axis labels of the same size and shape at %i px', async (width) => {
    const hour = 3_600_000;
    const now = Date.UTC(2026, 10, 22, 12);
    const points = Array.from({ length: 24 }, (_, i) => ({ hour: now - (23 - i) * hour, mean: 120 + (i % 5) * 20, p95: 300 + (i % 3) * 60 }));
    const chart = latencyChart('Website', points, 24, now, () => '21 Nov, 13:00');
    const { page, context } = await open({ width });
    await page.evaluate((html) => document.querySelector('.component')!.insertAdjacentHTML('beforeend', html), chart);
    const geometry = await page.evaluate(() => {
      const svg = document.querySelector('.latency svg')!.getBoundingClientRect();
      const lines = [...document.querySelectorAll('.latency line.grid')].map((l) => l.getBoundingClientRect().top);
      const labels = [...document.querySelectorAll('.latency .y, .latency .x span')].map((el) => {
        const r = el.getBoundingClientRect();
        return { text: el.textContent, left: r.left, right: r.right, middle: (r.top + r.bottom) / 2, size: getComputedStyle(el).fontSize };
      });
      return { svg: { left: svg.left, right: svg.right, height: svg.height }, lines, labels, viewport: innerWidth };
    });
    expect(geometry.svg.height).toBe(100);
    expect(geometry.labels.map((l) => l.text)).toEqual(['500 ms', '250 ms', '0 ms', '21 Nov, 13:00', 'now']);
    for (const label of geometry.labels) {
      expect(label.size, label.text!).toBe('12px');
      expect(label.left, label.text!).toBeGreaterThanOrEqual(0);
      expect(label.right, label.text!).toBeLessThanOrEqual(geometry.viewport);
    }
    // Each value label sits at its grid line, left of the plot.
    geometry.labels.slice(0, 3).forEach((label, i) => {
      expect(Math.abs(label.middle - geometry.lines[i]!), label.text!).toBeLessThan(2);
      expect(label.right).toBeLessThanOrEqual(geometry.svg.left);
    });
    await page.locator('.latency').screenshot({ path: join(ARTIFACTS, `latency-chart-${width}.png`) });
    await context.close();
  });
});
