/**
 * A real headless Chromium for the page tests: Debian's `chromium` package (or CHROMIUM_PATH),
 * driven by playwright-core, which downloads no browser of its own. Where none is installed
 * the browser tests skip and say why; `.ci/run` installs it, so CI never skips.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CANDIDATES = [process.env['CHROMIUM_PATH'], '/usr/bin/chromium', '/usr/bin/chromium-browser'];

export const chromiumPath: string | undefined = CANDIDATES.find((p): p is string => !!p && existsSync(p));

export const noChromiumReason = chromiumPath
  ? undefined
  : 'no Chromium found (looked at $CHROMIUM_PATH, /usr/bin/chromium, /usr/bin/chromium-browser): install Debian\'s "chromium" package (`apt-get install -y chromium`) to run the browser tests';

export async function launchChromium(): Promise<Browser> {
  if (!chromiumPath) throw new Error(noChromiumReason);
  // --no-sandbox: CI containers run as root, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}
