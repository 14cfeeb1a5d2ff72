/**
 * One delivery attempt: the change as a structured-mode CloudEvent with the stored state's id,
 * signed per Standard Webhooks, POSTed through the guarded client, and the answer turned into
 * what happens next:
 *   2xx                     delivered
 *   410 Gone                dead letter, and the subscription is disabled
 *   anything else, or no answer (timeout, network, refused address)
 *                           retried after exponential backoff with jitter, or after the target's
 *                           Retry-After; a dead letter once the next try would pass the maximum age
 */
import { EVENT_TYPE, RUN_TYPE } from '../../shared/event.js';
import { structuredMessage } from '../../shared/cloudevents/structured.js';
import { signatureHeaders } from '../../shared/webhooks/sign.js';
import { callTarget, TargetFailure, type TargetGuard } from '../../shared/webhooks/request.js';
import { parseRetryAfter, retryDelayMs } from '../../shared/webhooks/backoff.js';
import type { SecretBox } from '../../shared/webhooks/secret.js';
import type { AttemptOutcome, ClaimedDelivery } from '../../shared/store/deliveries.js';

export const WEBHOOK_SOURCE = '/tekton-events/webhooks';

export interface AttemptDeps {
  box: SecretBox;
  guard: TargetGuard;
  timeoutMs: number;
  retryMaxMs: number;
  now?: () => number;
  random?: () => number;
}

export interface AttemptResult {
  outcome: AttemptOutcome;
  /** set: the target said 410 Gone, disable its subscription */
  disable?: { subscriptionId: string; reason: string };
  /** seconds from the change being stored to its acceptance, for a delivered attempt */
  endToEnd?: number;
}

/** The request a delivery makes: what the receiver gets. */
export function deliveryRequest(d: ClaimedDelivery, secret: string, nowMs: number): { headers: Record<string, string>; body: string } {
  const { contentType, body } = structuredMessage({
    id: d.ce_id,
    type: d.kind === 'event' ? EVENT_TYPE : RUN_TYPE,
    source: WEBHOOK_SOURCE,
    subject: d.ce_subject,
    ...(d.ce_time ? { time: d.ce_time.toISOString() } : {}),
    data: d.data,
  });
  return { headers: { 'content-type': contentType, ...signatureHeaders(secret, d.ce_id, nowMs / 1000, body) }, body };
}

function result(d: ClaimedDelivery, o: Omit<AttemptOutcome, 'id'>): AttemptResult {
  return { outcome: { id: d.id, ...o } };
}

export async function attempt(d: ClaimedDelivery, deps: AttemptDeps): Promise<AttemptResult> {
  const now = deps.now ?? Date.now;
  if (!d.enabled) {
    return result(d, { state: 'cancelled', attempted: false, status: null, error: 'the subscription is disabled', latencyMs: null, nextAttempt: null });
  }
  if (now() > d.expire_time.getTime()) {
    return result(d, { state: 'failed', attempted: false, status: null, error: 'maximum age reached before the target accepted it', latencyMs: null, nextAttempt: null });
  }
  const { headers, body } = deliveryRequest(d, deps.box.open(d.secret_ciphertext), now());
  let status: number | null = null;
  let error: string;
  let latencyMs: number;
  let retryAfterMs: number | undefined;
  try {
    const answer = await callTarget({ url: new URL(d.url), method: 'POST', headers, body, timeoutMs: deps.timeoutMs }, deps.guard);
    status = answer.status;
    latencyMs = answer.latencyMs;
    if (status >= 200 && status <= 299) {
      return {
        outcome: { id: d.id, state: 'delivered', attempted: true, status, error: null, latencyMs, nextAttempt: null },
        endToEnd: (now() - d.stored_at.getTime()) / 1000,
      };
    }
    const snippet = answer.body.trim().slice(0, 200);
    error = `the target answered ${status}${snippet ? `: ${snippet}` : ''}`;
    if (status === 410) {
      return {
        outcome: { id: d.id, state: 'failed', attempted: true, status, error, latencyMs, nextAttempt: null },
        disable: { subscriptionId: d.subscription_id, reason: `the target answered 410 Gone at ${new Date(now()).toISOString()}` },
      };
    }
    const ra = answer.headers['retry-after'];
    retryAfterMs = parseRetryAfter(Array.isArray(ra) ? ra[0] : ra, now());
  } catch (err) {
    if (!(err instanceof TargetFailure)) throw err;
    error = err.message;
    latencyMs = err.latencyMs;
  }
  const next = new Date(now() + retryDelayMs(d.attempts + 1, retryAfterMs, deps.retryMaxMs, deps.random));
  if (next.getTime() > d.expire_time.getTime()) {
    return result(d, { state: 'failed', attempted: true, status, error: `${error}; maximum age reached, not retried`, latencyMs, nextAttempt: null });
  }
  return result(d, { state: 'pending', attempted: true, status, error, latencyMs, nextAttempt: next });
}
