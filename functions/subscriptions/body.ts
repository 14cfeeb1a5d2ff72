/**
 * The JSON bodies of POST and PATCH /v1/subscriptions, validated at the boundary. Unknown
 * fields are refused: a misspelt `namespace` must not silently widen a subscription to every
 * namespace.
 */
import { z } from 'zod';
import type { CoreRequest } from '../../shared/http/core.js';
import { mediaType } from '../../shared/http/core.js';
import { HttpError, type ProblemItem } from '../../shared/http/problem.js';
import { NAMESPACE_RE } from '../../shared/names.js';
import { secretProblem } from '../../shared/webhooks/secret.js';

const Namespaces = z
  .array(z.string().regex(NAMESPACE_RE, 'must be a namespace name'))
  .min(1, 'name at least one namespace, or leave namespaces out for every namespace')
  .max(1000)
  .transform((ns) => [...new Set(ns)].sort());

const Kinds = z
  .array(z.enum(['event', 'run']))
  .min(1)
  .max(2)
  .transform((ks) => [...new Set(ks)].sort());

const Secret = z.string().superRefine((s, ctx) => {
  const problem = secretProblem(s);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const CreateBody = z.strictObject({
  url: z.string().min(1).max(2048),
  filter: z.string().max(4096).default(''),
  namespaces: Namespaces.nullish().transform((v) => v ?? null),
  kinds: Kinds.default(['event', 'run']),
  secret: Secret.optional(),
});

export const UpdateBody = z.strictObject({
  url: z.string().min(1).max(2048).optional(),
  filter: z.string().max(4096).optional(),
  namespaces: Namespaces.nullable().optional(),
  kinds: Kinds.optional(),
  secret: Secret.optional(),
  enabled: z.boolean().optional(),
});

export function readBody<S extends z.ZodType>(req: CoreRequest, schema: S): z.infer<S> {
  if (mediaType(req.headers['content-type']) !== 'application/json') {
    throw new HttpError(415, 'send the subscription as Content-Type: application/json');
  }
  let value: unknown;
  try {
    value = JSON.parse(req.body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'the body is not valid JSON');
  }
  return checkBody(value, schema);
}

/** `value` checked by `schema`; 400 naming each problem (`body.<field>: <problem>`) otherwise. The pages' forms are checked here too. */
export function checkBody<S extends z.ZodType>(value: unknown, schema: S): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const errors: ProblemItem[] = parsed.error.issues.slice(0, 50).map((i) => ({ pointer: ['body', ...i.path.map(String)].join('.'), detail: i.message }));
    throw new HttpError(400, `${errors[0]!.pointer}: ${errors[0]!.detail}`, { errors });
  }
  return parsed.data;
}
