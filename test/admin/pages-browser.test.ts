import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, noScriptPage } from '../helpers/browser.js';
import type { TestApp } from '../helpers/app.js';
import { failingResults, PROBES_YAML } from './probe-fixtures.js';
import { ADMIN, appWithOperators } from './session.js';

let t: TestApp;
let browser: Browser;
let base: string;
beforeAll(async () => {
  t = await appWithOperators({ yaml: PROBES_YAML });
  failingResults(t);
  t.app.store.proberHealth.set({ impaired: true, since: t.clock.ms, reason: 'all 2 control targets failing' });
  base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('dashboard, components, probes, audit and API keys in a real browser, JavaScript off', () => {
  it.each([375, 320])('work at %i px without sideways scrolling or CSP violations', async (width) => {
    const { context, page, problems, fits } = await noScriptPage(browser, { width, height: 740, screenshotPrefix: 'admin-pages' });
    try {
      await page.goto(`${base}/admin/login`);
      await page.fill('#email', ADMIN.email);
      await page.fill('#password', ADMIN.password);
      await page.click('button[type=submit]');
      expect(new URL(page.url()).pathname).toBe('/admin');
      await expect(page.locator('#impaired-heading').textContent()).resolves.toBe('Prober impaired');
      // The ten sections are one line under the brand and "Sign out", swiped sideways, not five
      // wrapped lines above every form; the last one is still there to reach.
      const header = await page.$eval('header.bar', (h) => {
        const nav = h.querySelector('nav')!;
        return { height: h.getBoundingClientRect().height, links: nav.querySelectorAll('a').length, line: nav.getBoundingClientRect().height, swipes: nav.scrollWidth > nav.clientWidth };
      });
      expect(header.links).toBe(10);
      expect(header.line).toBeLessThan(50);
      expect(header.height).toBeLessThan(130);
      expect(header.swipes).toBe(true);
      await page.click('header.bar nav a[href="/admin/audit"]');
      expect(new URL(page.url()).pathname).toBe('/admin/audit');
      // The current section starts in view, far right as it is; the first ones need no scroll.
      const current = () =>
        page.$eval('header.bar nav', (nav) => {
          const link = nav.querySelector('a[aria-current="page"]')!.getBoundingClientRect();
          const box = nav.getBoundingClientRect();
          return { inView: link.left >= box.left - 1 && link.right <= box.right + 1, scrolled: nav.scrollLeft > 0 };
        });
      expect(await current()).toEqual({ inView: true, scrolled: true });
      await page.goto(`${base}/admin/incidents`);
      expect(await current()).toEqual({ inView: true, scrolled: false });
      await page.goto(`${base}/admin`);
      await fits('dashboard');

      await page.click('a[href="/admin/components?edit=api#component-api"]');
      const form = 'form[action="/admin/components/api/status"]';
      await page.$eval(form, (f) => f.setAttribute('novalidate', ''));
      await page.selectOption('#c-api-status', 'major_outage');
      await page.click(`${form} button[type=submit]`);
      await expect(page.locator('#c-api-reason-error').textContent()).resolves.toBe('Say why: the reason is kept with the status and in the audit log.');
      expect(await page.inputValue('#c-api-status')).toBe('major_outage');
      await fits('components-error');
      await page.fill('#c-api-reason', `Certificate expired (${width})`);
      await page.click(`${form} button[type=submit]`);
      await expect(page.locator('.notice').textContent()).resolves.toContain('API now shows Major outage, set by hand.');
      await fits('components');
      const summary = (await (await fetch(`${base}/api/v2/summary.json`)).json()) as { components: { id: string; status: string }[] };
      expect(summary.components.find((c) => c.id === 'api')!.status).toBe('major_outage');

      await page.goto(`${base}/admin`);
      await fits('dashboard-override');
      await page.click('form[action="/admin/components/api/hand-back"] button');
      expect(new URL(page.url()).pathname).toBe('/admin');
      expect(await page.locator('form[action="/admin/components/api/hand-back"]').count()).toBe(0);

      await page.click('a[href="/admin/probes"]');
      await expect(page.locator('#probe-api .raw').textContent()).resolves.toBe('certificate <expired>');
      await fits('probes');

      await page.goto(`${base}/admin/api-keys`);
      await page.fill('#key-name', `deploy bot ${width}`);
      await page.click('form[action="/admin/api-keys"] button[type=submit]');
      expect(await page.inputValue('#new-key')).toMatch(/^op_/);
      await fits('api-keys-created');

      await page.goto(`${base}/admin/audit`);
      await expect(page.locator('main').textContent()).resolves.toContain('api_key.create');
      await fits('audit');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
