import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { projectRoot } from '../../src/util/paths.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = join(projectRoot, 'test-artifacts');

/**
 * Debian's chromium, never a downloaded browser. The flags keep it from reaching for Google's
 * services on a machine without a network (each attempt would be a refused connection).
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium), as .ci/run does`);
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/**
 * A full-page screenshot, saved as a test artifact. Chromium sometimes answers "Unable to capture
 * screenshot" when its compositor is starved (seen with the whole suite's browsers running at once
 * on two cores): the picture is a record, not the assertion, so that answer is retried, twice.
 */
export async function saveScreenshot(page: Page, file: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await page.screenshot({ path: join(ARTIFACTS, file), fullPage: true });
      return;
    } catch (err) {
      if (attempt >= 3 || !/Unable to capture screenshot/.test(String(err))) throw err;
    }
  }
}

export interface NoScriptPage {
  context: BrowserContext;
  page: Page;
  /** CSP violations and failed requests seen so far; a test ends by expecting it empty. */
  problems: string[];
  /** Checks the page does not scroll sideways and saves a full-page screenshot `<prefix>-<name>-<width>.png`. */
  fits(name: string): Promise<void>;
}

/**
 * A page with JavaScript off at one width, as the admin's browser tests drive it. Only policy
 * violations count as console problems (the browser also logs the 401 and 400 answers the tests
 * provoke); ERR_ABORTED is a favicon cut short by the next navigation, not a refusal.
 */
export async function noScriptPage(browser: Browser, opts: { width: number; height: number; screenshotPrefix: string }): Promise<NoScriptPage> {
  const { width, height, screenshotPrefix } = opts;
  const context = await browser.newContext({ viewport: { width, height }, javaScriptEnabled: false });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text()) && problems.push(m.text()));
  page.on('requestfailed', (r) => r.failure()?.errorText !== 'net::ERR_ABORTED' && problems.push(`${r.url()}: ${r.failure()?.errorText}`));
  const fits = async (name: string) => {
    // After a click that navigates, the new page's DOM can be read before its stylesheet applies:
    // measured then, an unstyled table overflows (seen once in CI on a loaded machine, 145 px at 375).
    await page.waitForLoadState('load');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, `${name} scrolls sideways`).toBeLessThanOrEqual(0);
    await saveScreenshot(page, `${screenshotPrefix}-${name}-${width}.png`);
  };
  return { context, page, problems, fits };
}
