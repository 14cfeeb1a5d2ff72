/**
 * The pages in a real headless Chromium, as a person sees them: the sample run's headline,
 * lanes and Warnings, a hostile note shown as text with no dialog, the sign-in flow, the CSP,
 * and a page with JavaScript disabled. `UPDATE_SCREENSHOTS=1` also rewrites docs/timeline.png.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { QUERY_TOKEN, startTestServer, type TestServer } from '../helpers/server.js';
import { eventCe, newRun, statusCe, storedEvent } from '../helpers/ce.js';
import { launchChromium, noChromiumReason } from '../helpers/browser.js';
import { loadSampleRun } from './sample.js';
import { COOKIE_NAME } from '../../functions/ui/session.js';

const HOSTILE = '<img src=x onerror=alert(1)><script>alert(2)</script>';
const SAMPLE_PAGE = '/ui/namespaces/ci/pipelineruns/build-and-deploy-x7k2p';
const DOCS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs');

if (noChromiumReason) console.warn(`test/ui/browser.test.ts skipped: ${noChromiumReason}`);

describe.skipIf(noChromiumReason !== undefined)('the pages in Chromium', () => {
  let srv: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const hostileRun = newRun('TaskRun', 'hostile-run');

  beforeAll(async () => {
    srv = await startTestServer();
    const bad = storedEvent({ reason: 'FailedMount', type: 'Warning', note: HOSTILE, taskName: hostileRun.name, regardingName: `${hostileRun.name}-pod`, first: '2026-11-24T10:00:00Z' });
    await loadSampleRun(srv.url, [
      eventCe(bad, hostileRun, null),
      statusCe(hostileRun, null, { reason: 'Failed', message: HOSTILE, startTime: '2026-11-24T10:00:00Z', completionTime: '2026-11-24T10:00:30Z', steps: [{ name: 'x', exitCode: 1, reason: 'Error' }] }),
    ]);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await srv?.close();
  });

  /** A fresh browser profile; every dialog (alert) is recorded, and so is every URL visited. */
  async function open(opts: { javaScriptEnabled?: boolean; signedIn?: boolean } = {}) {
    const ctx = await browser.newContext({
      javaScriptEnabled: opts.javaScriptEnabled ?? true,
      viewport: { width: 1360, height: 900 },
      deviceScaleFactor: 1,
      extraHTTPHeaders: opts.signedIn === false ? {} : { authorization: `Bearer ${QUERY_TOKEN}` },
    });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.setDefaultTimeout(10_000);
    const dialogs: string[] = [];
    const urls: string[] = [];
    const cspViolations: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('request', (r) => urls.push(r.url()));
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    return { ctx, page, dialogs, urls, cspViolations };
  }

  afterAll(async () => {
    await Promise.all(contexts.map((c) => c.close()));
  });

  it('shows the sample run: the diagnosis headline, one lane per run, Warnings and the OOMKilled step', async () => {
    const { page, cspViolations } = await open();
    const res = await page.goto(`${srv.url}${SAMPLE_PAGE}`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toContain("default-src 'none'");
    const headline = await page.locator('.diagnosis .headline').innerText();
    expect(headline).toMatch(/build-image/);
    expect(headline).toMatch(/OOMKilled/);
    const lanes = page.locator('.timeline .lane .who .name');
    await expectTexts(lanes, [/PipelineRun/, /fetch-source/, /unit-tests/, /build-image/]);
    expect(await page.locator('.timeline .mark.warning').count()).toBeGreaterThanOrEqual(3);
    expect(await page.locator('.timeline .mark-label').allInnerTexts()).toEqual(expect.arrayContaining(['FailedScheduling ×3', 'BackOff ×5']));
    expect(await page.locator('.steps li.bad').allInnerTexts()).toEqual(expect.arrayContaining([expect.stringMatching(/step-build · OOMKilled · exit 137/)]));
    // The stylesheet applied: marks are positioned, Warnings are red.
    const color = await page.locator('.timeline .mark.warning').first().evaluate((el) => (globalThis as unknown as BrowserGlobals).getComputedStyle(el).backgroundColor);
    expect(color).toBe('rgb(198, 40, 40)');
    expect(cspViolations).toEqual([]);
    if (process.env['UPDATE_SCREENSHOTS'] === '1') {
      // The top of the page: headline, diagnosis and timeline (the Events table follows below).
      const box = await page.locator('.timeline').boundingBox();
      await page.screenshot({ path: path.join(DOCS, 'timeline.png'), clip: { x: 0, y: 0, width: 1360, height: Math.ceil((box?.y ?? 800) + (box?.height ?? 0) + 24) } });
    }
    expect((await page.screenshot({ fullPage: true })).length).toBeGreaterThan(10_000);
  });

  it('leads from a TaskRun lane to that TaskRun\'s own page, and back to its PipelineRun', async () => {
    const { page } = await open({ javaScriptEnabled: false });
    await page.goto(`${srv.url}${SAMPLE_PAGE}`);
    await page.click('.lane .who .name a:text("build-image")');
    await page.waitForURL(/\/ui\/namespaces\/ci\/taskruns\/build-and-deploy-x7k2p-build-image\?uid=/);
    expect(await page.locator('.diagnosis .headline').innerText()).toMatch(/OOMKilled/);
    expect(await page.locator('.timeline .lane').count()).toBe(1);
    await page.click('.meta a:text("build-and-deploy-x7k2p")');
    await page.waitForURL(/\/ui\/namespaces\/ci\/pipelineruns\/build-and-deploy-x7k2p/);
  });

  it('opens the full note of an Event on click, without any script', async () => {
    const { page } = await open({ javaScriptEnabled: false });
    await page.goto(`${srv.url}${SAMPLE_PAGE}`);
    const row = page.locator('table.events tr', { hasText: 'FailedScheduling' });
    const full = row.locator('details .full');
    expect(await full.isVisible()).toBe(false);
    await row.locator('details summary').click();
    expect(await full.isVisible()).toBe(true);
    expect(await full.innerText()).toContain('0/3 nodes are available: 3 Insufficient memory');
  });

  it('shows a hostile note as text: no element is made of it and no dialog opens', async () => {
    const { page, dialogs } = await open();
    await page.goto(`${srv.url}/ui/namespaces/ci/taskruns/hostile-run`);
    const row = page.locator('table.events tr', { hasText: 'FailedMount' });
    await row.locator('details summary').click();
    expect(await row.locator('details .full').innerText()).toBe(HOSTILE);
    expect(await page.locator('main img, main script').count()).toBe(0);
    // the same text in the run list (its terminal message)
    await page.goto(`${srv.url}/ui?name=hostile`);
    expect(await page.locator('tbody tr').first().innerText()).toContain(HOSTILE);
    expect(await page.locator('main img, main script').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('lists the runs with the failed ones first and filters them with JavaScript disabled', async () => {
    const { page } = await open({ javaScriptEnabled: false });
    await page.goto(`${srv.url}/ui`);
    expect(await page.locator('h1').innerText()).toBe('Recent runs');
    const first = await page.locator('tbody tr').first().innerText();
    expect(first).toMatch(/Failed/);
    await page.fill('input[name=name]', 'x7k2p');
    await page.selectOption('select[name=status]', 'failed');
    await page.click('form.filters button');
    await page.waitForURL(/status=failed/);
    expect(await page.locator('tbody tr').count()).toBe(1);
    await page.click('tbody tr a');
    await page.waitForURL(`**${SAMPLE_PAGE}`);
    expect(await page.locator('.diagnosis .headline').innerText()).toMatch(/OOMKilled/);
  });

  it('signs in once with a token kept in an HttpOnly cookie, never in a URL, and signs out', async () => {
    const { ctx, page, urls } = await open({ signedIn: false, javaScriptEnabled: false });
    await page.goto(`${srv.url}${SAMPLE_PAGE}`);
    expect(await page.locator('h1').innerText()).toBe('Sign in');
    await page.fill('input[name=token]', QUERY_TOKEN);
    await page.click('button[type=submit]');
    await page.waitForURL(`**${SAMPLE_PAGE}`);
    expect(await page.locator('.diagnosis .headline').innerText()).toMatch(/OOMKilled/);
    const cookie = (await ctx.cookies()).find((c) => c.name === COOKIE_NAME);
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/ui' });
    // Signed in, every page works without the header, and no URL ever held the token.
    await page.goto(`${srv.url}/ui`);
    expect(await page.locator('tbody tr').count()).toBeGreaterThan(0);
    expect(urls.filter((u) => u.includes(QUERY_TOKEN) || u.includes(encodeURIComponent(QUERY_TOKEN)))).toEqual([]);
    expect(page.url()).not.toContain(QUERY_TOKEN);
    await page.click('header.top button');
    await page.waitForURL('**/ui/login');
    expect((await ctx.cookies()).find((c) => c.name === COOKIE_NAME)).toBeUndefined();
    await page.goto(`${srv.url}/ui`);
    expect(await page.locator('h1').innerText()).toBe('Sign in');
  });

  it('says so when the token is wrong', async () => {
    const { page } = await open({ signedIn: false });
    await page.goto(`${srv.url}/ui/login`);
    await page.fill('input[name=token]', 'wrong-token-0000000000000');
    await page.click('button[type=submit]');
    expect(await page.locator('.error').innerText()).toContain('not accepted');
  });
});

/** What the page's context offers (the tests compile without the DOM library). */
interface BrowserGlobals {
  getComputedStyle(el: unknown): { backgroundColor: string };
}

async function expectTexts(locator: ReturnType<Page['locator']>, patterns: RegExp[]): Promise<void> {
  const texts = await locator.allInnerTexts();
  expect(texts).toHaveLength(patterns.length);
  patterns.forEach((p, i) => expect(texts[i]).toMatch(p));
}
