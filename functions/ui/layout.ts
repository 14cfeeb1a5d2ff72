/**
 * The frame of every page and the headers every answer of the pages carries. The policy allows
 * nothing but this site's stylesheet and forms posting back here: no script at all (the pages
 * need none), no inline style, no framing.
 */
import type { CoreResponse } from '../../shared/http/core.js';
import { html, type SafeHtml } from './html.js';
import { STYLESHEET_PATH } from './style.js';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "style-src 'self'",
  "img-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  // Not `no-referrer`: with it Chromium sends `Origin: null` on the sign-in POST, and the
  // Origin check could not tell this site from any other. `same-origin` still sends nothing
  // to other sites.
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

export interface Frame {
  title: string;
  /** show the sign-out button (signed in with the cookie) */
  signedIn: boolean;
}

export function document(frame: Frame, content: SafeHtml): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${frame.title} · tekton-events</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
</head>
<body>
<header class="top">
<a class="brand" href="/ui">tekton-events</a>
<nav><a href="/ui">Runs</a><a href="/ui/subscriptions">Webhooks</a></nav>
${frame.signedIn ? html`<form method="post" action="/ui/logout"><button type="submit">Sign out</button></form>` : ''}
</header>
<main>
${content}
</main>
</body>
</html>
`;
}

/** An HTML answer: never cached (pages show one caller's data), with the security headers. */
export function page(status: number, frame: Frame, content: SafeHtml, headers: Record<string, string> = {}): CoreResponse {
  return {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...SECURITY_HEADERS, ...headers },
    body: document(frame, content).text,
  };
}

/** A redirect after a form POST (303: the browser follows with GET). */
export function seeOther(location: string, headers: Record<string, string> = {}): CoreResponse {
  return { status: 303, headers: { location, 'cache-control': 'no-store', ...SECURITY_HEADERS, ...headers }, body: '' };
}
