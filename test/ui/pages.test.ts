/**
 * The pages over plain HTTP: headers every answer carries, sign-in and its CSRF checks, the
 * same authorisation as the API, and the list's filters. What a person sees in a browser is
 * in browser.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { QUERY_TOKEN, startTestServer, type TestServer } from '../helpers/server.js';
import { loadSampleRun } from './sample.js';
import { COOKIE_NAME } from '../../functions/ui/session.js';
import { STYLESHEET_PATH } from '../../functions/ui/style.js';

let srv: TestServer;
let dir: string;
const TEAM_TOKEN = 'team-web-token-0123456789abc';

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ui-pages-'));
  const tokens = path.join(dir, 'tokens.yaml');
  await writeFile(tokens, `tokens:\n  - name: all\n    token: ${QUERY_TOKEN}\n    namespaces: ["*"]\n  - name: web\n    token: ${TEAM_TOKEN}\n    namespaces: [web]\n`);
  srv = await startTestServer({ QUERY_TOKENS_FILE: tokens, QUERY_TOKEN: '' });
  await loadSampleRun(srv.url);
});
afterAll(async () => {
  await srv.close();
  await rm(dir, { recursive: true, force: true });
});

const bearer = (token = QUERY_TOKEN) => ({ authorization: `Bearer ${token}` });
const get = (p: string, headers: Record<string, string> = bearer()) => fetch(`${srv.url}${p}`, { headers, redirect: 'manual' });
const origin = () => new URL(srv.url).origin;
function postForm(p: string, form: Record<string, string>, headers: Record<string, string> = { origin: origin() }) {
  return fetch(`${srv.url}${p}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
    redirect: 'manual',
  });
}

describe('every page answer', () => {
  it.each(['/ui', '/ui/login', '/ui/namespaces/ci/pipelineruns/no-such-run', '/ui/nowhere', '/ui/subscriptions', '/ui/subscriptions/new'])('%s carries the security headers and is never cached', async (p) => {
    const res = await get(p);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await res.text()).not.toMatch(/<script|style=/i);
  });

  it('serves its stylesheet from a content-addressed path', async () => {
    const html = await (await get('/ui')).text();
    expect(html).toContain(`href="${STYLESHEET_PATH}"`);
    const css = await get(STYLESHEET_PATH, {});
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(css.headers.get('cache-control')).toContain('immutable');
    expect(await css.text()).toContain('.at-100{left:50%}');
    expect((await get('/ui/assets/style-000000000000.css', {})).status).toBe(404);
  });
});

describe('sign-in', () => {
  it('shows the sign-in form, not data, without a token', async () => {
    const res = await get('/ui', {});
    expect(res.status).toBe(401);
    const html = await res.text();
    expect(html).toContain('action="/ui/login"');
    expect(html).not.toContain('build-and-deploy');
  });

  it('sets an HttpOnly, SameSite=Strict cookie on /ui and redirects to a URL without the token', async () => {
    const res = await postForm('/ui/login', { token: QUERY_TOKEN, next: '/ui?status=failed' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/ui?status=failed');
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(new RegExp(`^${COOKIE_NAME}=`));
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/ui');
    expect(cookie).not.toContain('Secure');
    const page = await get('/ui', { cookie: cookie.split(';', 1)[0]! });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('build-and-deploy-x7k2p');
  });

  it('marks the cookie Secure behind a proxy that says the page is https', async () => {
    const res = await postForm('/ui/login', { token: QUERY_TOKEN }, { origin: origin(), 'x-forwarded-proto': 'https' });
    expect(res.headers.get('set-cookie')).toContain('; Secure');
  });

  it('refuses a wrong token with the form again, and sets no cookie', async () => {
    const res = await postForm('/ui/login', { token: 'not-the-right-token-000000' });
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(await res.text()).toContain('That token was not accepted.');
  });

  it.each([
    ['another origin', { origin: 'https://evil.example' }],
    ['no origin at all', {}],
    ['an opaque origin', { origin: 'null' }],
    ['a cross-site fetch', { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }],
  ])('refuses a sign-in posted from %s', async (_what, headers: Record<string, string>) => {
    const res = await postForm('/ui/login', { token: QUERY_TOKEN }, headers);
    expect(res.status).toBe(403);
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('never returns to a page of another site after sign-in', async () => {
    for (const next of ['https://evil.example/', '//evil.example/ui', '/\\evil.example', '/uix']) {
      const res = await postForm('/ui/login', { token: QUERY_TOKEN, next });
      expect(res.headers.get('location')).toBe('/ui');
    }
  });

  it('signs out by clearing the cookie', async () => {
    const res = await postForm('/ui/logout', {});
    expect(res.status).toBe(303);
    expect(res.headers.get('set-cookie')).toMatch(new RegExp(`^${COOKIE_NAME}=;.*Max-Age=0`));
    expect((await postForm('/ui/logout', {}, { origin: 'https://evil.example' })).status).toBe(403);
  });

  it('drops a cookie whose token is no longer accepted', async () => {
    const res = await get('/ui', { cookie: `${COOKIE_NAME}=revoked-token-0000000000` });
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toMatch(/Max-Age=0/);
  });
});

describe('authorisation, as the API', () => {
  it('shows a token only the namespaces it may read', async () => {
    const html = await (await get('/ui', bearer(TEAM_TOKEN))).text();
    expect(html).not.toContain('build-and-deploy-x7k2p');
    expect(html).toContain('No runs match');
  });

  it('refuses a namespace the token may not read', async () => {
    expect((await get('/ui?namespace=ci', bearer(TEAM_TOKEN))).status).toBe(403);
    expect((await get('/ui/namespaces/ci/pipelineruns/build-and-deploy-x7k2p', bearer(TEAM_TOKEN))).status).toBe(403);
  });
});

describe('the run list', () => {
  it('filters by namespace, status and name through a GET form', async () => {
    const failed = await (await get('/ui?namespace=ci&status=failed&name=deploy')).text();
    expect(failed).toContain('build-and-deploy-x7k2p');
    expect(failed).toContain('href="/ui/namespaces/ci/pipelineruns/build-and-deploy-x7k2p"');
    const succeeded = await (await get('/ui?status=succeeded')).text();
    expect(succeeded).not.toContain('build-and-deploy-x7k2p');
  });

  it.each([
    ['/ui?namespace=Not_A_Namespace', 400],
    ['/ui?status=exploded', 400],
    ['/ui?page_size=100000', 400],
    ['/ui?before=%3Cscript%3E', 400],
    [`/ui?name=${'x'.repeat(300)}`, 400],
    ['/ui/namespaces/ci/pipelineruns/UPPER', 400],
    ['/ui/namespaces/ci/configmaps/x', 404],
  ])('answers %s with %i and an HTML page', async (p, status) => {
    const res = await get(p);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
  });

  it('escapes what it echoes back', async () => {
    const html = await (await get(`/ui?name=${encodeURIComponent('"><img src=x onerror=alert(1)>')}`)).text();
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
  });
});
