/** The pages' escaping template, links, cursor and return-path checks: pure. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { escapeHtml, href, html } from '../../functions/ui/html.js';
import { decodeCursor, encodeCursor, matchUiRoute } from '../../functions/ui/routes.js';
import { safeReturnPath } from '../../functions/ui/signInPage.js';
import { cookieValue } from '../../functions/ui/session.js';
import { step, STEPS } from '../../functions/ui/style.js';
import { badStep } from '../../functions/ui/timelineChart.js';
import type { CoreRequest } from '../../shared/http/core.js';

describe('html', () => {
  it('escapes every interpolated string, in text and in attributes', () => {
    const note = `<img src=x onerror=alert(1)> "quoted" 'single' & more`;
    expect(html`<p title="${note}">${note}</p>`.text).toBe(
      '<p title="&lt;img src=x onerror=alert(1)&gt; &quot;quoted&quot; &#39;single&#39; &amp; more">&lt;img src=x onerror=alert(1)&gt; &quot;quoted&quot; &#39;single&#39; &amp; more</p>',
    );
  });

  it('keeps nested templates as they are, escapes lists item by item, drops nothing-values', () => {
    const items = ['<a>', 'b'];
    expect(html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>${null}${undefined}${false}${0}`.text).toBe('<ul><li>&lt;a&gt;</li><li>b</li></ul>0');
  });

  it('never lets a plain object pass as markup', () => {
    const forged = { text: '<script>' } as unknown as string;
    expect(html`${forged}`.text).toBe('[object Object]');
  });

  it('leaves no markup character in any escaped string', () => {
    fc.assert(fc.property(fc.string(), (s) => !/[<>"']/.test(escapeHtml(s))));
  });

  it('percent-encodes link segments so a value cannot change the link', () => {
    expect(href(['ui', 'namespaces', 'ci', 'pipelineruns', 'a/../b?c'], { uid: 'x&y', empty: '' })).toBe('/ui/namespaces/ci/pipelineruns/a%2F..%2Fb%3Fc?uid=x%26y');
  });
});

describe('routes', () => {
  const q = new URLSearchParams();
  it('maps the run pages', () => {
    expect(matchUiRoute('GET', '/ui/namespaces/ci/pipelineruns/build-1', q)).toMatchObject({ view: 'run', kind: 'PipelineRun', namespace: 'ci', name: 'build-1' });
    expect(matchUiRoute('HEAD', '/ui/namespaces/ci/taskruns/t.1/', q)).toMatchObject({ view: 'run', kind: 'TaskRun', name: 't.1' });
  });

  it.each([
    ['POST', '/ui', 405],
    ['GET', '/ui/logout', 405],
    ['GET', '/ui/namespaces/ci/pipelineruns/%zz', 400],
    ['GET', '/ui/namespaces/CI/pipelineruns/x', 400],
    ['GET', '/ui/namespaces/ci/pipelineruns/x/y', 404],
  ])('%s %s → %i', (method, path, status) => {
    expect(() => matchUiRoute(method, path, q)).toThrow(expect.objectContaining({ status }));
  });

  it('round-trips a paging cursor and refuses a forged one', () => {
    const c = { createTime: '2026-11-24 09:00:00.123456+00', id: '5b0a3f4e-2c1d-4e8f-9a6b-7c3d2e1f0a9b' };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
    for (const bad of ['', '!!', Buffer.from("2026-11-24 09:00:00+00|x' or 1=1").toString('base64url'), Buffer.from('yesterday|5b0a3f4e-2c1d-4e8f-9a6b-7c3d2e1f0a9b').toString('base64url')]) {
      expect(() => decodeCursor(bad)).toThrow(expect.objectContaining({ status: 400 }));
    }
  });
});

describe('sign-in helpers', () => {
  it.each([
    ['/ui/namespaces/ci/pipelineruns/x?uid=1', '/ui/namespaces/ci/pipelineruns/x?uid=1'],
    ['/ui?status=failed', '/ui?status=failed'],
    ['https://evil.example/ui', '/ui'],
    ['//evil.example/ui', '/ui'],
    ['/ui/\\evil', '/ui'],
    ['/uix', '/ui'],
    ['/ui/%2e%2e/apis', '/ui'],
    ['/ui/../ingest', '/ui'],
    ['/ui/login', '/ui'],
    [undefined, '/ui'],
  ])('returns to %s as %s', (next, expected) => {
    expect(safeReturnPath(next)).toBe(expected);
  });

  it('reads one cookie among several', () => {
    const req = { headers: { cookie: 'a=1; tekton_events_token=abc%3D; b=2' } } as unknown as CoreRequest;
    expect(cookieValue(req, 'tekton_events_token')).toBe('abc=');
    expect(cookieValue(req, 'missing')).toBeUndefined();
  });
});

describe('timeline positions', () => {
  it('rounds to the nearest half percent and clamps', () => {
    expect(step(0)).toBe(0);
    expect(step(0.5)).toBe(STEPS / 2);
    expect(step(1.7)).toBe(STEPS);
    expect(step(-1)).toBe(0);
    expect(step(Number.NaN)).toBe(0);
  });
});

describe('step terminations', () => {
  const st = (exitCode: number | null, reason: string | null) => ({ name: 'build', container: 'step-build', exitCode, reason });
  it.each([
    [st(137, 'OOMKilled'), true],
    [st(1, 'Error'), true],
    [st(null, 'ImagePullBackOff'), true],
    [st(0, 'Completed'), false],
    [st(null, 'Skipped'), false],
    // Tekton records exit 1 with the TaskRun's reason on a step stopped by a cancel or timeout
    [st(1, 'TaskRunCancelled'), false],
    [st(1, 'TaskRunTimeout'), false],
  ])('%o failed on its own: %s', (s, bad) => {
    expect(badStep(s)).toBe(bad);
  });
});
