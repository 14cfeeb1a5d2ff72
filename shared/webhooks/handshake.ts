/**
 * The sender's side of the CloudEvents webhook validation handshake ("abuse protection",
 * HTTP 1.1 Web Hooks for Event Delivery §4): before a subscription is accepted its target is
 * asked with `OPTIONS` and `WebHook-Request-Origin` whether it wants our events, and must answer
 * 2xx with `WebHook-Allowed-Origin` naming us (or `*`). This keeps a subscription from turning
 * the dispatcher into a flood aimed at someone who never asked for it.
 *
 * A target that consents asynchronously (`WebHook-Request-Callback`) is not supported: the
 * consent must come in the answer.
 */
import { callTarget, TargetFailure, type TargetGuard } from './request.js';

export type HandshakeResult = { ok: true } | { ok: false; reason: string };

export async function handshake(url: URL, origin: string, guard: TargetGuard, timeoutMs: number): Promise<HandshakeResult> {
  try {
    const answer = await callTarget(
      { url, method: 'OPTIONS', headers: { 'webhook-request-origin': origin, 'webhook-request-rate': '120' }, timeoutMs, maxBodyBytes: 1024 },
      guard,
    );
    const allowed = answer.headers['webhook-allowed-origin'];
    const value = Array.isArray(allowed) ? allowed[0] : allowed;
    if (answer.status < 200 || answer.status > 299) {
      return { ok: false, reason: `the target answered the handshake with ${answer.status}${value ? '' : ' and no WebHook-Allowed-Origin'}` };
    }
    if (value === undefined) return { ok: false, reason: 'the target answered the handshake without WebHook-Allowed-Origin' };
    if (value.trim() !== '*' && value.trim().toLowerCase() !== origin.toLowerCase()) {
      return { ok: false, reason: `the target allowed origin "${value.slice(0, 100)}", not "${origin}"` };
    }
    return { ok: true };
  } catch (err) {
    if (err instanceof TargetFailure) {
      return { ok: false, reason: err.kind === 'refused' ? err.message : `the target could not be reached for the handshake (${err.message})` };
    }
    throw err;
  }
}
