import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/**
 * Debian's Chromium driven by playwright-core (browsers cannot be downloaded here, so no
 * `playwright install`): a fresh profile per context, and every request to a host other than
 * loopback is aborted and remembered, so a test can assert the page needed no other host.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const chromiumAvailable = existsSync(CHROMIUM);

/** `describe` where a browser exists; elsewhere skipped, with the reason in its name. */
export const describeWithBrowser = (name: string, fn: () => void): void => {
  if (chromiumAvailable) describe(name, fn);
  else describe.skip(`${name} [skipped: no browser at ${CHROMIUM}; apt-get install -y chromium]`, fn);
};

/** Screenshots land here (gitignored), one per page a test looked at. */
export const ARTIFACTS = resolve(__dirname, '../../test-artifacts');

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  /** Requests (HTTP or WebSocket) the page tried to make to any host other than loopback. */
  foreign: string[];
  /** Console errors and uncaught exceptions of the page. */
  errors: string[];
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function openBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'digestql-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync'],
    viewport: { width: 1280, height: 800 },
  });
  const foreign: string[] = [];
  const errors: string[] = [];
  const isForeign = (url: URL): boolean => !['data:', 'blob:', 'about:'].includes(url.protocol) && !LOOPBACK.has(url.hostname);
  await context.route(
    (url) => isForeign(url),
    (route) => {
      foreign.push(route.request().url());
      return route.abort('blockedbyclient');
    },
  );
  await context.routeWebSocket(
    (url) => isForeign(url),
    (ws) => {
      foreign.push(ws.url());
      return ws.close();
    },
  );
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  return {
    context,
    page,
    foreign,
    errors,
    screenshot: async (name) => {
      mkdirSync(ARTIFACTS, { recursive: true });
      const path = join(ARTIFACTS, `${name}.png`);
      await page.screenshot({ path });
      return path;
    },
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
