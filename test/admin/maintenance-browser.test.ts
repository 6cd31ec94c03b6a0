import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR } from '../../src/util/time.js';
import { ACME_YAML, type TestApp } from '../helpers/app.js';
import { launchChromium, noScriptPage } from '../helpers/browser.js';
import { ADMIN, appWithOperators } from './session.js';

// Plain http on 127.0.0.1 (Secure cookies need https); one webhook channel for the delivery log.
const YAML = `${ACME_YAML.replace('https://status.acme.example', 'http://status.acme.example')}
announce:
  - { id: ops, type: webhook, url: "http://127.0.0.1:9/hook", secret: "0123456789abcdef0123456789abcdef" }
`;

let t: TestApp;
let browser: Browser;
let base: string;
beforeAll(async () => {
  t = await appWithOperators({ yaml: YAML });
  base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** A datetime-local value in the page's zone (Europe/Zurich, UTC+1 in November). */
const local = (ms: number) => new Date(ms + HOUR).toISOString().slice(0, 16);

describe('maintenance and announcements in a real browser, JavaScript off', () => {
  it.each([375, 1280])('schedules a window and sends a test announcement at %i px', async (width) => {
    // A second test message within five minutes is taken for a double click: each case is later.
    t.clock.advance(10 * 60_000);
    const { context, page, problems, fits } = await noScriptPage(browser, { width, height: 800, screenshotPrefix: 'admin' });
    try {
      await page.goto(`${base}/admin/login`);
      await page.fill('#email', ADMIN.email);
      await page.fill('#password', ADMIN.password);
      await page.click('button[type=submit]');

      await page.goto(`${base}/admin/maintenance/new`);
      await page.fill('#mnt-name', `Database upgrade ${width}`);
      await page.fill('#mnt-starts', local(t.clock.ms + 2 * HOUR));
      await page.fill('#mnt-ends', local(t.clock.ms + 4 * HOUR));
      await page.check('input[name="components"][value="database"]');
      await page.fill('#mnt-message', 'Writes pause for **a minute**.');
      await fits('maintenance-new');
      await page.click('button[value=create]');
      expect(new URL(page.url()).pathname).toMatch(/^\/admin\/maintenance\/[^/]+$/);
      await expect(page.locator('h1').textContent()).resolves.toBe(`Database upgrade ${width}`);
      await fits('maintenance-show');
      const upcoming = (await (await fetch(`${base}/api/v2/scheduled-maintenances/upcoming.json`)).json()) as { scheduled_maintenances: { name: string; components: { id: string }[] }[] };
      const window = upcoming.scheduled_maintenances.find((m) => m.name === `Database upgrade ${width}`)!;
      expect(window.components.map((c) => c.id)).toEqual(['database']);

      await page.goto(`${base}/admin/announcements/ops`);
      await page.click('button:has-text("Send a test message")');
      expect(new URL(page.url()).search).toBe('?test=queued');
      await fits('announcements');
      // The window's announcement and the test message, both queued for the dispatcher.
      const rows = t.app.store.outbox.list('ops').map((r) => r.kind);
      expect(rows).toContain('maintenance.scheduled');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);
});
