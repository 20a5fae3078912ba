/**
 * A real headless Chromium (Debian's `chromium`) driven by playwright-core, for dashboard tests
 * and benchmarks: fresh profile per launch, no background networking (this machine has no
 * internet), console errors and page errors collected per page.
 */
import { access, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { ExplainedCheck } from './env.js';

export const CHROMIUM = '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const chromiumAvailable: ExplainedCheck = Object.assign(
  async (): Promise<boolean> => {
    try {
      await access(CHROMIUM);
      chromiumAvailable.reason = '';
      return true;
    } catch {
      chromiumAvailable.reason = `${CHROMIUM} not found (Debian package chromium; test/setup.sh installs it)`;
      return false;
    }
  },
  { reason: '' },
);

/** Where tests write screenshots (artefacts, never committed). */
export const SCREENSHOT_DIR = join(process.env.FLOTILLA_TEST_STATE ?? '/var/tmp/flotilla-test', 'screenshots');

export interface Browser {
  context: BrowserContext;
  /** Console errors and uncaught page errors seen so far, with the page URL. */
  errors: string[];
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  screenshot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'flotilla-chromium-'));
  // The hub's certificate is from its own CA, made per test run; the browser is told to accept it.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: ARGS,
    headless: true,
    ignoreHTTPSErrors: true,
    viewport: { width: 1280, height: 800 },
  });
  const errors: string[] = [];
  const watch = (page: Page): void => {
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`${page.url()}: console: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
  };
  for (const p of context.pages()) watch(p);
  context.on('page', watch);
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  return {
    context,
    errors,
    async newPage(viewport) {
      const page = await context.newPage();
      if (viewport) await page.setViewportSize(viewport);
      return page;
    },
    async screenshot(page, name) {
      const path = join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path });
      return path;
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
