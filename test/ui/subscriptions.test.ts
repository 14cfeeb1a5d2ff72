/**
 * The webhook subscription pages. Over plain HTTP: the same visibility as the API, the Origin
 * check on their form posts, bounded page sizes. In a real Chromium (playwright-core), with
 * JavaScript disabled: a subscription listed with a delivery its local receiver got, a hostile
 * filter and URL shown as text, a 410 shown as the reason it is disabled, a dead letter,
 * Redeliver and Delete as plain form posts, and no CSP violation on any of it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { QUERY_TOKEN, startTestServer, type TestServer } from '../helpers/server.js';
import { eventCe, newRun, send, storedEvent } from '../helpers/ce.js';
import { until } from '../helpers/until.js';
import { launchChromium, noChromiumReason } from '../helpers/browser.js';
import { startReceiver, type Receiver } from '../webhooks/receiver.js';
import { api } from '../webhooks/helpers.js';
import { Webhook } from 'standardwebhooks';

const TEAM_TOKEN = 'team-web-token-0123456789abc';
const HOSTILE_FILTER = 'event.reason != "<img src=x onerror=alert(1)><script>alert(2)</script>"';

let srv: TestServer;
let rx: Receiver;
let dir: string;
let browser: Browser | undefined;
const contexts: BrowserContext[] = [];
/** subscription ids by name */
const subs: Record<string, { id: string; url: string }> = {};

async function subscribe(name: string, body: Record<string, unknown>, token = QUERY_TOKEN): Promise<void> {
  const res = await api(srv.url, 'POST', '', body, token);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  subs[name] = { id: res.body.id, url: res.body.url };
}

beforeAll(async () => {
  rx = await startReceiver();
  dir = await mkdtemp(path.join(tmpdir(), 'ui-subscriptions-'));
  const tokens = path.join(dir, 'tokens.yaml');
  await writeFile(tokens, `tokens:\n  - token: ${QUERY_TOKEN}\n    namespaces: ["*"]\n  - token: ${TEAM_TOKEN}\n    namespaces: [web]\n`);
  srv = await startTestServer({
    QUERY_TOKENS_FILE: tokens,
    QUERY_TOKEN: '',
    SUBSCRIPTION_ALLOW_PRIVATE_TARGETS: 'true',
    WEBHOOK_TIMEOUT_SECONDS: '2',
    WEBHOOK_MAX_AGE_SECONDS: '3',
  });
  rx.script('/gone', [{ status: 410 }]);
  rx.script('/down', [{ status: 503 }]);
  await subscribe('ok', { url: `${rx.url}/ok?team=ci&x='"><img src=x onerror=alert(3)>`, filter: HOSTILE_FILTER, namespaces: ['ci'], kinds: ['event'] });
  await subscribe('gone', { url: `${rx.url}/gone`, namespaces: ['ci'] });
  await subscribe('down', { url: `${rx.url}/down`, namespaces: ['ci'] });
  await subscribe('web', { url: `${rx.url}/web`, namespaces: ['web'] }, TEAM_TOKEN);
  await subscribe('everywhere', { url: `${rx.url}/everywhere`, kinds: ['run'] });
  await srv.fns.dispatcher.start();
  expect((await send(srv.url, [eventCe(storedEvent({ reason: 'FailedScheduling', type: 'Warning', rv: 5001 }), newRun('TaskRun', 'ui-hooks'), null)])).status).toBe(200);
  // delivered to /ok, 410 from /gone (disabled), dead letter at /down after 3 s
  await until(
    async () => (await srv.db.pool.query<{ n: number }>(`select count(*)::int8 as n from webhook_deliveries where state in ('delivered', 'failed', 'cancelled')`)).rows[0]!.n,
    (n) => Number(n) === 3,
    'the three deliveries settled',
  );
  if (!noChromiumReason) browser = await launchChromium();
});

afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close()));
  await browser?.close();
  await srv?.fns.dispatcher.stop();
  await srv?.close();
  await rx?.close();
  await rm(dir, { recursive: true, force: true });
});

const bearer = (token = QUERY_TOKEN) => ({ authorization: `Bearer ${token}` });
const get = (p: string, token = QUERY_TOKEN) => fetch(`${srv.url}${p}`, { headers: bearer(token), redirect: 'manual' });
function postForm(p: string, form: Record<string, string>, headers: Record<string, string>) {
  return fetch(`${srv.url}${p}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
    redirect: 'manual',
  });
}
async function deliveryOf(name: string, token = QUERY_TOKEN) {
  return (await api(srv.url, 'GET', `/${subs[name]!.id}/deliveries`, undefined, token)).body.deliveries[0];
}

describe('the subscription pages over HTTP', () => {
  it('show a caller only the subscriptions the API shows it', async () => {
    const all = await (await get('/ui/subscriptions')).text();
    for (const name of ['ok', 'gone', 'down', 'web', 'everywhere']) expect(all, name).toContain(`/ui/subscriptions/${subs[name]!.id}`);
    const team = await get('/ui/subscriptions', TEAM_TOKEN);
    expect(team.status).toBe(200);
    const text = await team.text();
    expect(text).toContain(`/ui/subscriptions/${subs['web']!.id}`);
    for (const name of ['ok', 'gone', 'down', 'everywhere']) expect(text, name).not.toContain(subs[name]!.id);
    expect((await get(`/ui/subscriptions/${subs['ok']!.id}`, TEAM_TOKEN)).status).toBe(404);
    expect((await get('/ui/subscriptions', 'not-a-token-0123456789')).status).toBe(401);
  });

  it('refuse a redeliver or delete post from another origin, or without one, and change nothing', async () => {
    const d = await deliveryOf('ok');
    const redeliver = `/ui/subscriptions/${subs['ok']!.id}/deliveries/${d.id}/redeliver`;
    const refused: Record<string, string>[] = [{ origin: 'https://evil.example' }, {}, { origin: 'null' }, { 'sec-fetch-site': 'cross-site', origin: new URL(srv.url).origin }];
    for (const headers of refused) {
      expect((await postForm(redeliver, { back: 'detail' }, { ...bearer(), ...headers })).status, JSON.stringify(headers)).toBe(403);
      expect((await postForm(`/ui/subscriptions/${subs['web']!.id}/delete`, { confirm: 'yes' }, { ...bearer(), ...headers })).status).toBe(403);
      expect((await postForm(`/ui/subscriptions/${subs['ok']!.id}/enabled`, { enabled: 'false' }, { ...bearer(), ...headers })).status).toBe(403);
    }
    expect((await api(srv.url, 'GET', `/${subs['ok']!.id}`)).body.enabled).toBe(true);
    expect(await deliveryOf('ok')).toMatchObject({ state: 'delivered', attempts: 1 });
    expect((await api(srv.url, 'GET', `/${subs['web']!.id}`)).status).toBe(200);
    // the same origin, but a caller who may not see it: 404, nothing requeued
    expect((await postForm(redeliver, { back: 'detail' }, { ...bearer(TEAM_TOKEN), origin: new URL(srv.url).origin })).status).toBe(404);
    expect((await deliveryOf('ok')).attempts).toBe(1);
    expect((await get(redeliver)).status).toBe(405);
    const created = await postForm('/ui/subscriptions/new', { url: `${rx.url}/csrf`, namespaces: 'ci', kinds: 'event' }, { ...bearer(), origin: 'https://evil.example' });
    expect(created.status).toBe(403);
    expect(rx.received.some((r) => r.path === '/csrf')).toBe(false);
    expect((await api(srv.url, 'GET', '')).body.subscriptions.some((x: { url: string }) => x.url.endsWith('/csrf'))).toBe(false);
  });

  it('bound their page sizes and check their parameters', async () => {
    expect((await get('/ui/subscriptions?page_size=51')).status).toBe(400);
    expect((await get(`/ui/subscriptions/${subs['ok']!.id}?page_size=201`)).status).toBe(400);
    expect((await get(`/ui/subscriptions/${subs['ok']!.id}?state=lost`)).status).toBe(400);
    expect((await get('/ui/subscriptions?after=not-an-id')).status).toBe(400);
    expect((await get('/ui/subscriptions/not-an-id')).status).toBe(404);
    const two = await (await get('/ui/subscriptions?page_size=2')).text();
    expect(two.match(/<section class="card subscription"/g)).toHaveLength(2);
    expect(two).toContain('More subscriptions');
  });
});

describe.skipIf(noChromiumReason !== undefined)('the subscription pages in Chromium', () => {
  async function open(token = QUERY_TOKEN) {
    const ctx = await browser!.newContext({ javaScriptEnabled: false, extraHTTPHeaders: bearer(token) });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.setDefaultTimeout(10_000);
    const dialogs: string[] = [];
    const cspViolations: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    return { page, dialogs, cspViolations };
  }

  it('are linked from the run list, list a subscription with the delivery its receiver got, and show hostile text as text', async () => {
    const { page, dialogs, cspViolations } = await open();
    await page.goto(`${srv.url}/ui`);
    await page.click('header.top nav a:text("Webhooks")');
    await page.waitForURL('**/ui/subscriptions');
    expect(await page.locator('h1').innerText()).toBe('Webhook subscriptions');
    const ok = page.locator(`#sub-${subs['ok']!.id}`);
    expect(await ok.locator('.filter').innerText()).toBe(HOSTILE_FILTER);
    expect(await ok.locator('.target').innerText()).toBe(subs['ok']!.url);
    expect(await ok.locator('dd', { hasText: 'Events' }).count()).toBe(1);
    const row = ok.locator('tr.delivery').first();
    const received = rx.received.find((r) => r.path === '/ok')!;
    expect(await row.innerText()).toContain(received.headers['webhook-id']!);
    const cells = await row.locator('td').allInnerTexts();
    expect(cells[0]).toBe('Delivered');
    expect(cells[2]).toBe('200');
    expect(cells[3]).toBe('1');
    expect(cells[4]).toMatch(/^\d+ms$|^\d+s$/);
    expect(await page.locator('main img, main script').count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(cspViolations).toEqual([]);
  });

  it('say a subscription was disabled by a 410, and show a dead letter with its last status', async () => {
    const { page, cspViolations } = await open();
    await page.goto(`${srv.url}/ui/subscriptions`);
    const gone = page.locator(`#sub-${subs['gone']!.id}`);
    expect(await gone.locator('.sub-title .badge').innerText()).toBe('Disabled');
    expect(await gone.locator('.disabled-reason').innerText()).toMatch(/410/);
    expect(await gone.locator('button', { hasText: 'Redeliver' }).count()).toBe(0);
    // turned back on from its page: the reason goes, Redeliver comes back
    await page.click(`#sub-${subs['gone']!.id} .sub-title a`);
    await page.click('button:text("Turn back on")');
    await page.waitForURL(/changed=enabled/);
    expect(await page.locator('.notice').innerText()).toMatch(/on again/);
    expect(await page.locator('h1.sub-title .badge').innerText()).toBe('Enabled');
    expect(await page.locator('tr.delivery button:text("Redeliver")').count()).toBe(1);
    expect((await api(srv.url, 'GET', `/${subs['gone']!.id}`)).body).toMatchObject({ enabled: true, disabled_reason: null });
    await page.goto(`${srv.url}/ui/subscriptions`);
    await page.click(`#sub-${subs['down']!.id} a:text("Dead letters")`);
    await page.waitForURL(/state=failed/);
    const cells = await page.locator('tr.delivery').first().locator('td').allInnerTexts();
    expect(cells[0]).toBe('Dead letter');
    expect(cells[2]).toMatch(/^503/);
    expect(cells[6]).toBe('given up');
    expect(cspViolations).toEqual([]);
  });

  it('redeliver with a plain form post: the receiver gets the same webhook-id again', async () => {
    const { page, cspViolations } = await open();
    const before = rx.received.filter((r) => r.path === '/ok');
    await page.goto(`${srv.url}/ui/subscriptions/${subs['ok']!.id}`);
    await page.click('tr.delivery button:text("Redeliver")');
    await page.waitForURL(/redelivered=/);
    expect(await page.locator('.notice').innerText()).toMatch(/queued again/);
    const again = await until(() => rx.received.filter((r) => r.path === '/ok'), (r) => r.length === before.length + 1, 'the redelivery');
    expect(again[again.length - 1]!.headers['webhook-id']).toBe(before[0]!.headers['webhook-id']);
    await until(() => deliveryOf('ok'), (d) => d.state === 'delivered' && d.attempts === 2, 'the second attempt recorded');
    await page.reload();
    expect((await page.locator('tr.delivery').first().locator('td').allInnerTexts())[3]).toBe('2');
    expect(cspViolations).toEqual([]);
  });

  it('delete a subscription only once the box is ticked, then say so', async () => {
    const { page, cspViolations } = await open(TEAM_TOKEN);
    await page.goto(`${srv.url}/ui/subscriptions/${subs['web']!.id}`);
    await page.click('button.danger');
    // the browser keeps an unticked required box from posting
    expect(page.url()).toBe(`${srv.url}/ui/subscriptions/${subs['web']!.id}`);
    await page.check('input[name=confirm]');
    await page.click('button.danger');
    await page.waitForURL(/deleted=/);
    expect(await page.locator('.notice').innerText()).toContain(subs['web']!.id);
    expect((await api(srv.url, 'GET', `/${subs['web']!.id}`)).status).toBe(404);
    expect(cspViolations).toEqual([]);
  });

  it('create a subscription from the form: the handshake is made, the secret shown once, and deliveries verify with it', async () => {
    const { page, dialogs, cspViolations } = await open();
    await page.goto(`${srv.url}/ui/subscriptions`);
    await page.click('a:text("New subscription")');
    await page.waitForURL('**/ui/subscriptions/new');
    // a target that refuses the handshake: the form comes back filled in, saying why
    rx.refuseHandshake('/refuses');
    await page.fill('input[name=url]', `${rx.url}/refuses`);
    await page.fill('textarea[name=filter]', HOSTILE_FILTER);
    await page.fill('input[name=namespaces]', 'web');
    await page.click('form.stacked button[type=submit]');
    expect(await page.locator('.error').innerText()).toMatch(/handshake/);
    expect(await page.inputValue('textarea[name=filter]')).toBe(HOSTILE_FILTER);
    expect(await page.inputValue('input[name=namespaces]')).toBe('web');
    await page.fill('input[name=url]', `${rx.url}/made`);
    await page.uncheck('input[name=kinds][value=run]');
    await page.click('form.stacked button[type=submit]');
    expect(await page.locator('h1').innerText()).toBe('Subscription created');
    const secret = await page.locator('code.secret').innerText();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);
    const made = (await api(srv.url, 'GET', '')).body.subscriptions.find((x: { url: string }) => x.url.endsWith('/made'));
    expect(made).toMatchObject({ namespaces: ['web'], kinds: ['event'], filter: HOSTILE_FILTER, enabled: true });
    // never shown again
    await page.goto(`${srv.url}/ui/subscriptions/${made.id}`);
    expect(await page.content()).not.toContain(secret);
    expect((await send(srv.url, [eventCe(storedEvent({ namespace: 'web', rv: 5002 }), newRun('TaskRun', 'made'), null, 'web')])).status).toBe(200);
    const [got] = await until(() => rx.received.filter((r) => r.path === '/made'), (r) => r.length === 1, 'the delivery to the new subscription');
    expect(() => new Webhook(secret).verify(got!.body, got!.headers)).not.toThrow();
    expect(dialogs).toEqual([]);
    expect(cspViolations).toEqual([]);
  });

  it('refuse, on the form, a subscription wider than the token may read', async () => {
    const { page } = await open(TEAM_TOKEN);
    await page.goto(`${srv.url}/ui/subscriptions/new`);
    await page.fill('input[name=url]', `${rx.url}/wide`);
    await page.click('form.stacked button[type=submit]');
    expect(await page.locator('.error').innerText()).toMatch(/name the namespaces/);
    expect(rx.received.some((r) => r.path === '/wide')).toBe(false);
  });
});
