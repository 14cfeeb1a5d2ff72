/**
 * Making a subscription, for every face that makes one (the API, the pages): the body checked by
 * the one schema (body.ts), the namespaces by the one rule (access.ts), the filter compiled, the
 * target through the URL checks and the CloudEvents webhook handshake, the secret generated
 * when none was given and stored sealed. The secret is returned to the caller once, here.
 */
import type pg from 'pg';
import type { z } from 'zod';
import type { Caller } from '../../shared/http/caller.js';
import { HttpError } from '../../shared/http/problem.js';
import { insertSubscription, type Subscription } from '../../shared/store/subscriptions.js';
import { generateSecret, type SecretBox } from '../../shared/webhooks/secret.js';
import { urlProblem } from '../../shared/webhooks/targets.js';
import { handshake } from '../../shared/webhooks/handshake.js';
import { compileChangeFilter } from '../../shared/webhooks/filter.js';
import type { TargetGuard } from '../../shared/webhooks/request.js';
import { outboxSink } from '../../shared/webhooks/outboxSink.js';
import type { SubscriptionAccess } from './access.js';
import type { CreateBody } from './body.js';

export interface TargetCheck {
  guard: TargetGuard;
  /** WebHook-Request-Origin of the handshake */
  origin: string;
  timeoutMs: number;
}

/** The target URL as it will be stored, once it passed the URL checks and the handshake; 400 otherwise. */
export async function checkTarget(deps: TargetCheck, raw: string): Promise<string> {
  const checked = urlProblem(raw, deps.guard.allowPrivate);
  if ('problem' in checked) throw new HttpError(400, checked.problem);
  const shake = await handshake(checked.url, deps.origin, deps.guard, deps.timeoutMs);
  if (!shake.ok) throw new HttpError(400, `the target refused the CloudEvents webhook handshake: ${shake.reason}`);
  return checked.url.toString();
}

export interface CreateDeps extends TargetCheck {
  pool: pg.Pool;
  access: SubscriptionAccess;
  box: SecretBox;
}

export async function createSubscription(deps: CreateDeps, caller: Caller, body: z.infer<typeof CreateBody>): Promise<{ subscription: Subscription; secret: string }> {
  await deps.access.mayCover(caller, body.namespaces);
  compileChangeFilter(body.filter);
  const url = await checkTarget(deps, body.url);
  const secret = body.secret ?? generateSecret();
  const subscription = await insertSubscription(deps.pool, {
    url,
    filter: body.filter,
    namespaces: body.namespaces,
    kinds: body.kinds,
    secretCiphertext: deps.box.seal(secret),
  });
  outboxSink(deps.pool).subscriptionEnabled();
  return { subscription, secret };
}
