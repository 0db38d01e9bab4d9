// Headless Chromium for the console's end-to-end tests: Debian's own chromium package (installed
// by deploy/browser/install-chromium.sh) driven by playwright-core, which downloads no browser.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export interface HeadlessBrowser {
  readonly context: BrowserContext;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Starts Chromium with a fresh profile folder, removed again on close. */
export async function launchChromium(): Promise<HeadlessBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM_PATH}: run bash deploy/browser/install-chromium.sh`);
  }
  const userDataDir = mkdtempSync(join(tmpdir(), 'chronicle-chromium-'));
  // Playwright passes the profile folder to Chromium as --user-data-dir itself.
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ARGS,
    viewport: { width: 1440, height: 900 },
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  return {
    context,
    newPage: () => context.newPage(),
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Where the test run leaves its screenshots (test-output/ is ignored by git). */
export function screenshotPath(folder: string, name: string): string {
  const dir = join(__dirname, '..', '..', 'test-output', folder);
  mkdirSync(dir, { recursive: true });
  return join(dir, `${name}.png`);
}
