import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINUTE } from '../../src/util/time.js';
import { ACME_YAML, type TestApp } from '../helpers/app.js';
import { launchChromium, noScriptPage } from '../helpers/browser.js';
import { ADMIN, appWithOperators } from './session.js';

// Plain http on 127.0.0.1: Secure cookies need https.
const YAML = ACME_YAML.replace('https://status.acme.example', 'http://status.acme.example');

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

describe('a form posted after the session ended, in a real browser, JavaScript off', () => {
  it('is kept through signing in again and sent with what was typed, lines and all', async () => {
    const { context, page, problems, fits } = await noScriptPage(browser, { width: 375, height: 800, screenshotPrefix: 'admin' });
    try {
      await page.goto(`${base}/admin/login`);
      await page.fill('#email', ADMIN.email);
      await page.fill('#password', ADMIN.password);
      await page.click('button[type=submit]');

      await page.goto(`${base}/admin/incidents/new`);
      await page.fill('#inc-name', 'Card payments <failing>');
      await page.fill('#inc-message', 'Some cards are declined.\n\n- Visa: fine\n- Amex: "declined" & retried');
      // The operator investigates for longer than a session lasts before posting.
      t.clock.advance(35 * MINUTE);
      await page.click('button[value=create]');
      await expect(page.locator('#form-error').textContent()).resolves.toContain('What you wrote is kept');
      await expect(page.locator('#email').inputValue()).resolves.toBe(ADMIN.email);
      await page.fill('#password', ADMIN.password);
      await page.click('button[type=submit]');

      expect(new URL(page.url()).pathname).toBe('/admin/unsent');
      await expect(page.locator('article.unsent h2').textContent()).resolves.toBe('New incident');
      await expect(page.locator('article.unsent dd').first().textContent()).resolves.toBe('Card payments <failing>');
      await fits('unsent');
      await page.click('button:has-text("Send it now")');

      expect(new URL(page.url()).pathname).toMatch(/^\/admin\/incidents\/[^/]+$/);
      const [incident] = t.app.store.incidents.listPublished();
      expect(incident!.name).toBe('Card payments <failing>');
      expect(incident!.updates[0]!.body.replace(/\r\n/g, '\n')).toBe('Some cards are declined.\n\n- Visa: fine\n- Amex: "declined" & retried');
      expect(t.app.store.unsentForms.list(t.app.store.operators.byEmail(ADMIN.email)!.id, t.clock.ms)).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
