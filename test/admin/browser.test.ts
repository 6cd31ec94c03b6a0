import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, addOperator } from '../auth/helpers.js';
import { ACME_YAML, makeTestApp, type TestApp } from '../helpers/app.js';
import { launchChromium, saveScreenshot } from '../helpers/browser.js';

// Served over plain http on 127.0.0.1, so the page URL is http too (Secure cookies need https).
const YAML = ACME_YAML.replace('https://status.acme.example', 'http://status.acme.example');

let t: TestApp;
let browser: Browser;
let origin: string;
beforeAll(async () => {
  t = await makeTestApp({ yaml: YAML });
  await addOperator(t.app.store, ADMIN, 'editor', t.clock.ms);
  origin = await t.app.listen({ host: '127.0.0.1', port: 0 });
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

interface Summary {
  status: { indicator: string };
  components: { id: string; status: string }[];
  incidents: { name: string; status: string; incident_updates: { status: string; body: string }[] }[];
}
const summary = async (): Promise<Summary> => (await fetch(`${origin}/api/v2/summary.json`)).json() as Promise<Summary>;
const apiStatus = (s: Summary) => s.components.find((c) => c.id === 'api')!.status;

/** Records console errors, page errors and any request leaving the server. */
function watch(page: Page, problems: string[]) {
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => !r.url().startsWith(origin) && problems.push(`request to another host: ${r.url()}`));
}

describe('an incident from sign-in to resolution, in a real browser', () => {
  it.each([
    ['desktop', 1280],
    ['phone', 375],
  ] as const)('%s (%i px): sign in, create, update, resolve, with the public page and summary.json after each step', async (name, width) => {
    const problems: string[] = [];
    const context: BrowserContext = await browser.newContext({ viewport: { width, height: 900 } });
    const admin = await context.newPage();
    watch(admin, problems);
    const shot = async (page: Page, step: string) => {
      await page.waitForLoadState('load'); // the stylesheet applied, after a click that navigated
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, `${step} scrolls sideways at ${width} px`).toBeLessThanOrEqual(0);
      await saveScreenshot(page, `incident-flow-${step}-${name}.png`);
    };
    // A new visitor each time: a returning browser may keep the page for its max-age, as it should.
    let visitor: Page | undefined;
    const visitors: BrowserContext[] = [];
    const publicPage = async (step: string) => {
      const fresh = await browser.newContext({ viewport: { width, height: 900 } });
      visitors.push(fresh);
      const page = await fresh.newPage();
      visitor = page;
      watch(page, problems);
      await page.goto(`${origin}/`);
      await shot(page, `public-${step}`);
      return page.locator('main').innerText();
    };
    const title = `API errors ${name}`;
    try {
      await admin.goto(`${origin}/admin/incidents/new`);
      expect(new URL(admin.url()).pathname).toBe('/admin/login');
      await admin.fill('#email', ADMIN.email);
      await admin.fill('#password', ADMIN.password);
      await admin.click('button[type=submit]');
      // Signing in leads back to the page asked for.
      expect(new URL(admin.url()).pathname).toBe('/admin/incidents/new');

      // 1. Create: the API is partly down.
      await admin.goto(`${origin}/admin/incidents/new`);
      await admin.fill('#inc-name', title);
      await admin.selectOption('#inc-status', 'investigating');
      await admin.fill('#inc-message', 'Some API requests **fail** with 502. We are investigating.');
      await admin.selectOption('select[name="component.api"]', 'partial_outage');
      await shot(admin, 'new');
      await admin.click('button[value=create]');
      expect(new URL(admin.url()).pathname).toMatch(/^\/admin\/incidents\/[^/]+$/);
      await expect(admin.locator('h1').innerText()).resolves.toBe(title);
      await shot(admin, 'created');
      let s = await summary();
      expect(s.incidents.map((i) => [i.name, i.status])).toEqual([[title, 'investigating']]);
      expect(apiStatus(s)).toBe('partial_outage');
      expect(s.status.indicator).toBe('major');
      let text = await publicPage('created');
      expect(text).toContain(title);
      expect(text).toContain('Some API requests fail with 502.');
      expect(await visitor!.locator('strong', { hasText: 'fail' }).count()).toBeGreaterThan(0);

      // 2. Update: identified, API now only degraded.
      await admin.selectOption('#upd-status', 'identified');
      await admin.fill('#upd-message', 'A bad deploy; rolling back.');
      await admin.selectOption('select[name="component.api"] >> nth=0', 'degraded_performance');
      await admin.click('button:has-text("Post update")');
      await expect(admin.locator('main').innerText()).resolves.toContain('A bad deploy; rolling back.');
      await shot(admin, 'updated');
      s = await summary();
      expect(s.incidents[0]!.status).toBe('identified');
      expect(s.incidents[0]!.incident_updates.map((u) => u.status)).toEqual(['identified', 'investigating']);
      expect(apiStatus(s)).toBe('degraded_performance');
      // The page's indicator follows the open incident's impact (major, the worst it reached), as on Statuspage.
      expect(s.status.indicator).toBe('major');
      text = await publicPage('updated');
      expect(text).toContain('A bad deploy; rolling back.');

      // 3. Resolve: the API goes back to automation (operational, no probes).
      await admin.fill('#res-message', 'Rolled back; all requests succeed.');
      await admin.click('button:has-text("Resolve incident")');
      await expect(admin.locator('main').innerText()).resolves.toContain('Rolled back; all requests succeed.');
      await shot(admin, 'resolved');
      s = await summary();
      expect(s.incidents).toEqual([]);
      expect(apiStatus(s)).toBe('operational');
      expect(s.status.indicator).toBe('none');
      text = await publicPage('resolved');
      expect(text).toContain('All Systems Operational');
      // Past incidents list it, resolved.
      expect(text).toContain(title);
      expect(problems).toEqual([]);
    } finally {
      for (const c of [context, ...visitors]) await c.close();
    }
  }, 60_000);
});
