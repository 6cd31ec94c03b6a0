import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, noScriptPage } from '../helpers/browser.js';
import { ADMIN, addOperator, EDITOR, makeAdminApp, type AdminTestApp } from './helpers.js';

let t: AdminTestApp;
let browser: Browser;
let base: string;
beforeAll(async () => {
  t = await makeAdminApp();
  await addOperator(t.stores, ADMIN, 'admin', t.clock.ms);
  await addOperator(t.stores, EDITOR, 'editor', t.clock.ms);
  base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await t.close();
});

describe('the admin in a real browser, JavaScript off', () => {
  it.each([375, 320])('signs in, adds an operator and signs out at %i px without sideways scrolling or CSP violations', async (width) => {
    const { context, page, problems, fits } = await noScriptPage(browser, { width, height: 740, screenshotPrefix: 'admin' });
    try {
      await page.goto(`${base}/admin/operators`);
      expect(new URL(page.url()).pathname).toBe('/admin/login');
      await page.fill('#email', ADMIN.email);
      await page.fill('#password', 'not the password');
      await page.click('button[type=submit]');
      await expect(page.locator('.alert').textContent()).resolves.toContain('Email or password is incorrect.');
      expect(await page.inputValue('#email')).toBe(ADMIN.email);
      await fits('login-error');

      await page.fill('#password', ADMIN.password);
      await page.click('button[type=submit]');
      // Back to the page asked for, through the failed attempt too.
      expect(new URL(page.url()).pathname).toBe('/admin/operators');
      await page.goto(`${base}/admin`);
      await expect(page.locator('main').textContent()).resolves.toContain('Signed in as Ada');
      const cookie = (await context.cookies()).find((c) => c.name === 'outpost_session')!;
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/admin' });
      await fits('dashboard');

      await page.goto(`${base}/admin/operators`);
      await page.fill('#op-name', `Grace ${width}`);
      await page.fill('#op-email', `grace${width}@acme.example`);
      await page.fill('#op-password', 'short');
      // The browser's own check would stop a short password; the server's must work without it.
      await page.$eval('form[action="/admin/operators"]', (f) => f.setAttribute('novalidate', ''));
      await page.click('form[action="/admin/operators"] button[type=submit]');
      await expect(page.locator('#op-password-error').textContent()).resolves.toBe('Use at least 12 characters.');
      await fits('operators-error');
      await page.fill('#op-password', 'a long enough password');
      await page.selectOption('#op-role', 'admin');
      await page.click('form[action="/admin/operators"] button[type=submit]');
      await expect(page.locator('.notice').textContent()).resolves.toContain(`Added Grace ${width}`);
      await fits('operators');

      await page.click('header form.logout button');
      expect(new URL(page.url()).pathname).toBe('/admin/login');
      await page.goto(`${base}/admin`);
      expect(new URL(page.url()).pathname).toBe('/admin/login');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
