/** Subscriptions and deliveries as the API shows them (snake_case, RFC 3339 times). Never the secret. */
import { EVENT_TYPE, RUN_TYPE } from '../../shared/event.js';
import type { Subscription } from '../../shared/store/subscriptions.js';
import type { DeliveryView } from '../../shared/store/deliveries.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function renderSubscription(s: Subscription): Record<string, unknown> {
  return {
    id: s.id,
    url: s.url,
    filter: s.filter,
    namespaces: s.namespaces,
    kinds: s.kinds,
    enabled: s.enabled,
    disabled_reason: s.disabled_reason,
    create_time: iso(s.create_time),
    update_time: iso(s.update_time),
  };
}

export function renderDelivery(d: DeliveryView): Record<string, unknown> {
  return {
    id: d.id,
    event_id: d.ce_id,
    type: d.kind === 'event' ? EVENT_TYPE : RUN_TYPE,
    subject: d.ce_subject,
    state: d.state,
    attempts: d.attempts,
    last_status: d.last_status,
    last_error: d.last_error,
    last_latency_ms: d.last_latency_ms,
    last_attempt_time: iso(d.last_attempt_time),
    next_attempt_time: d.state === 'pending' ? iso(d.next_attempt_time) : null,
    delivered_time: iso(d.delivered_time),
    expire_time: iso(d.expire_time),
    stored_time: iso(d.stored_at),
    create_time: iso(d.create_time),
    attempt_log: d.attempt_log,
  };
}
