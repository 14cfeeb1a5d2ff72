/**
 * The CloudEvents webhook validation handshake ("abuse protection", HTTP 1.1 Web Hooks for
 * Event Delivery §4): a sender asks with `OPTIONS` whether this target wants its events.
 *
 * - `WebHook-Request-Origin` (a DNS expression naming the sender) → `WebHook-Allowed-Origin`
 *   with the same value: we consent to every origin, because the bearer token, not the
 *   handshake, is what admits a delivery (the spec says the handshake is no authorisation).
 * - `WebHook-Request-Rate` (requests per minute) → `WebHook-Allowed-Rate: *`: no rate limit here;
 *   overload is answered per request with 503 + Retry-After.
 * - `WebHook-Request-Callback` is deliberately ignored: calling a URL a caller chose would let
 *   anyone make this function send requests into the cluster's network (SSRF). Consent is given
 *   synchronously instead, which the spec allows.
 * - Malformed headers get a 400 problem, never an echo: the origin is copied into a response
 *   header, so it must be a plain host name.
 * No token is needed: the handshake grants nothing but the sender's permission to try.
 */
import type { CoreRequest, CoreResponse } from '../../shared/http/core.js';
import { HttpError } from '../../shared/http/problem.js';

export const ALLOWED_METHODS = 'POST, OPTIONS';

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?';
/** A DNS expression: dot-separated labels, 253 characters at most. */
const DNS_RE = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*$`);
/** A positive integer (requests per minute). */
const RATE_RE = /^[1-9][0-9]{0,9}$/;

export function handshake(req: CoreRequest): CoreResponse {
  const headers: Record<string, string> = { allow: ALLOWED_METHODS };
  const origin = req.headers['webhook-request-origin'];
  const rate = req.headers['webhook-request-rate'];
  // A plain OPTIONS (no handshake): say which methods there are, consent to nothing.
  if (origin === undefined) {
    if (rate !== undefined) throw new HttpError(400, 'WebHook-Request-Rate needs WebHook-Request-Origin');
    return { status: 200, headers, body: '' };
  }
  const o = origin.trim();
  if (!DNS_RE.test(o)) {
    throw new HttpError(400, 'WebHook-Request-Origin must be one DNS name of the sending system, such as eventemitter.example.com');
  }
  if (rate !== undefined && !RATE_RE.test(rate.trim())) {
    throw new HttpError(400, 'WebHook-Request-Rate must be a positive integer (requests per minute)');
  }
  headers['webhook-allowed-origin'] = o;
  headers['webhook-allowed-rate'] = '*';
  return { status: 200, headers, body: '' };
}
