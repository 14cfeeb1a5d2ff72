/**
 * CloudEvents HTTP binding (binary, structured, batched) → validated CloudEvents.
 *
 * The `cloudevents` package validates attributes (`new CloudEvent(attrs, true)`), but its
 * `HTTP.toEvent` has gaps we cover here: it does not validate, rejects content types with a
 * charset or in upper case, does not percent-decode header values and needs batch bodies as
 * strings. So the framing is read here and each event is handed to the package for validation.
 */
import { CloudEvent, ValidationError } from 'cloudevents';
import { HttpError, type ProblemItem } from '../../shared/http/problem.js';
import { mediaType, type CoreRequest } from '../../shared/http/core.js';

export type Mode = 'binary' | 'structured' | 'batch';

export interface ParsedCloudEvent {
  /** Where the event stands in the request: `event`, or `events[i]` in a batch. */
  pointer: string;
  id: string;
  source: string;
  type: string;
  subject: string | undefined;
  /** The data, parsed as JSON. */
  data: unknown;
  /**
   * false when the request cannot hold a string Postgres refuses (a NUL, a lone UTF-16
   * surrogate), so no event needs its strings checked (toWrites.ts)
   */
  needsTextCheck: boolean;
}

/** A bad event: its position, and the status it alone would have been answered with. */
export interface EventProblem extends ProblemItem {
  status: 400 | 415;
}

const STRUCTURED = 'application/cloudevents+json';
const BATCH = 'application/cloudevents-batch+json';

function isJsonMediaType(mt: string): boolean {
  return mt === 'application/json' || mt === 'text/json' || /^application\/[^;\s]+\+json$/.test(mt);
}

/** Only UTF-8 is accepted: the charset parameter, if any, must say so. */
function charsetIsUtf8(contentType: string): boolean {
  const m = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  return !m || /^utf-?8$/i.test(m[1] ?? '');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(body: Uint8Array, what: string): string {
  try {
    return utf8.decode(body);
  } catch {
    throw new HttpError(400, `${what} is not valid UTF-8`);
  }
}

/** Deeper than any Kubernetes Event; far below what recursive code (JSON.stringify, zod) survives. */
export const MAX_JSON_DEPTH = 64;

/** Whether a parsed JSON value nests deeper than MAX_JSON_DEPTH. Iterative: it must not overflow itself. */
function tooDeep(value: unknown): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > MAX_JSON_DEPTH) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

function parseJson(text: string, what: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, `${what} is not valid JSON: ${(err as Error).message}`);
  }
  if (tooDeep(value)) throw new HttpError(400, `${what} nests JSON deeper than ${MAX_JSON_DEPTH} levels`);
  return value;
}

export function detectMode(req: CoreRequest): Mode {
  const ct = req.headers['content-type'];
  const mt = mediaType(ct);
  if (mt === BATCH) return 'batch';
  if (mt === STRUCTURED) return 'structured';
  if (req.headers['ce-specversion'] !== undefined) return 'binary';
  if (mt === '') {
    throw new HttpError(415, `missing Content-Type: send a CloudEvent in binary mode (ce-* headers), or as ${STRUCTURED} or ${BATCH}`);
  }
  if (isJsonMediaType(mt)) {
    throw new HttpError(400, 'no ce-specversion header: a binary-mode CloudEvent needs its ce-* attribute headers');
  }
  throw new HttpError(415, `unsupported Content-Type "${mt}": expected a CloudEvent (binary mode with JSON data, ${STRUCTURED} or ${BATCH})`);
}

/** Reads the CloudEvents out of a request. Framing errors throw; per-event errors are returned. */
export function readCloudEvents(req: CoreRequest): { mode: Mode; events: ParsedCloudEvent[]; problems: EventProblem[] } {
  const read = readFraming(req);
  // Valid UTF-8 JSON can only carry a NUL or a lone surrogate as an escape (\u0000, \ud800…),
  // or inside base64 data: when the body has none of these, no event needs the per-event check.
  const b = req.body;
  const needsTextCheck = b.includes('\\u0000') || b.includes('\\ud') || b.includes('\\uD') || b.includes('data_base64');
  for (const e of read.events) e.needsTextCheck = needsTextCheck;
  return read;
}

function readFraming(req: CoreRequest): { mode: Mode; events: ParsedCloudEvent[]; problems: EventProblem[] } {
  const mode = detectMode(req);
  const ct = req.headers['content-type'] ?? '';
  if (mode !== 'binary' && !charsetIsUtf8(ct)) {
    throw new HttpError(415, `unsupported charset in Content-Type "${ct}": only UTF-8 is accepted`);
  }
  if (mode === 'binary') {
    const one = fromBinary(req);
    const problems = 'problem' in one ? [one.problem] : [];
    if (problems.length > 0) throw problemToError(problems[0]!);
    return { mode, events: [(one as { event: ParsedCloudEvent }).event], problems };
  }
  if (req.body.length === 0) throw new HttpError(400, 'empty body: expected a CloudEvent');
  const parsed = parseJson(decodeUtf8(req.body, 'body'), 'body');
  if (mode === 'structured') {
    const one = fromAttributes(parsed, 'event');
    if ('problem' in one) throw problemToError(one.problem);
    return { mode, events: [one.event], problems: [] };
  }
  if (!Array.isArray(parsed)) throw new HttpError(400, 'a batch must be a JSON array of CloudEvents');
  if (parsed.length === 0) throw new HttpError(400, 'empty batch: send at least one CloudEvent');
  const events: ParsedCloudEvent[] = [];
  const problems: EventProblem[] = [];
  parsed.forEach((raw, i) => {
    const one = fromAttributes(raw, `events[${i}]`);
    if ('problem' in one) problems.push(one.problem);
    else events.push(one.event);
  });
  return { mode, events, problems };
}

function problemToError(p: EventProblem): HttpError {
  return new HttpError(p.status, `${p.pointer}: ${p.detail}`, { errors: [{ pointer: p.pointer, detail: p.detail }] });
}

type One = { event: ParsedCloudEvent } | { problem: EventProblem };

function bad(pointer: string, detail: string, status: 400 | 415 = 400): One {
  return { problem: { pointer, detail, status } };
}

function fromBinary(req: CoreRequest): One {
  const attrs: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (!name.startsWith('ce-') || value === undefined) continue;
    try {
      // The binding percent-encodes header values; the package does not decode them.
      attrs[name.slice(3)] = decodeURIComponent(value);
    } catch {
      return bad(`header ${name}`, 'malformed percent-encoding');
    }
  }
  const ct = req.headers['content-type'];
  if (ct !== undefined) attrs['datacontenttype'] = ct;
  const pre = checkAttributes(attrs, 'event');
  if (pre) return pre;
  if (req.body.length === 0) return bad('event.data', 'the event has no data (empty body)');
  let text: string;
  try {
    text = decodeUtf8(req.body, 'data');
  } catch (err) {
    return bad('event.data', (err as Error).message);
  }
  let data: unknown;
  try {
    data = parseJson(text, 'data');
  } catch (err) {
    return bad('event.data', (err as Error).message);
  }
  return validated({ ...attrs, data }, 'event');
}

function fromAttributes(raw: unknown, pointer: string): One {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad(pointer, 'a CloudEvent must be a JSON object');
  const attrs = { ...(raw as Record<string, unknown>) };
  const pre = checkAttributes(attrs, pointer);
  if (pre) return pre;
  if ('data_base64' in attrs) {
    if (typeof attrs['data_base64'] !== 'string') return bad(`${pointer}.data_base64`, 'must be a base64 string');
    try {
      attrs['data'] = parseJson(decodeUtf8(Buffer.from(attrs['data_base64'], 'base64'), 'data'), 'data');
    } catch (err) {
      return bad(`${pointer}.data_base64`, (err as Error).message);
    }
    delete attrs['data_base64'];
  }
  if (!('data' in attrs) || attrs['data'] === null) return bad(`${pointer}.data`, 'the event has no data');
  return validated(attrs, pointer);
}

/** Checks the package leaves to us: specversion first (0.3 is not spoken), JSON data. */
function checkAttributes(attrs: Record<string, unknown>, pointer: string): One | undefined {
  const sv = attrs['specversion'];
  if (sv === undefined) return bad(`${pointer}.specversion`, 'missing: only CloudEvents 1.0 is accepted');
  if (sv !== '1.0') return bad(`${pointer}.specversion`, `"${String(sv)}" is not supported: only CloudEvents 1.0 is accepted`);
  const dct = attrs['datacontenttype'];
  if (dct !== undefined) {
    if (typeof dct !== 'string') return bad(`${pointer}.datacontenttype`, 'must be a string');
    const mt = mediaType(dct);
    if (!isJsonMediaType(mt)) return bad(`${pointer}.datacontenttype`, `"${mt}" is not supported: data must be application/json`, 415);
    if (!charsetIsUtf8(dct)) return bad(`${pointer}.datacontenttype`, `charset in "${dct}" is not supported: only UTF-8`, 415);
  }
  for (const name of ['id', 'source', 'type']) {
    const v = attrs[name];
    // The spec requires non-empty strings; the package lets an empty id through.
    if (typeof v !== 'string' || v === '') return bad(`${pointer}.${name}`, 'required: a non-empty string');
  }
  if (typeof attrs['time'] === 'string' && Number.isNaN(Date.parse(attrs['time']))) {
    // The package would silently replace an invalid time with "now".
    return bad(`${pointer}.time`, `"${attrs['time']}" is not an RFC 3339 timestamp`);
  }
  for (const [name, v] of Object.entries(attrs)) {
    if (name === 'data' || name === 'data_base64' || v === null) continue;
    // Attribute values are strings, booleans or 32-bit integers; the package lets objects and
    // arrays (of any depth) through as extensions.
    if (typeof v !== 'string' && typeof v !== 'boolean' && !(Number.isInteger(v) && Math.abs(v as number) <= 2 ** 31)) {
      return bad(`${pointer}.${name}`, 'an attribute must be a string, a boolean or a 32-bit integer');
    }
  }
  return undefined;
}

function validated(attrs: Record<string, unknown>, pointer: string): One {
  let ce: CloudEvent<unknown>;
  try {
    ce = new CloudEvent<unknown>(attrs, true);
  } catch (err) {
    if (err instanceof ValidationError || err instanceof TypeError) {
      return bad(pointer, describeValidation(err));
    }
    throw err;
  }
  return {
    event: { pointer, id: ce.id, source: ce.source, type: ce.type, subject: ce.subject, data: attrs['data'], needsTextCheck: true },
  };
}

function describeValidation(err: TypeError): string {
  const errors = (err as ValidationError).errors;
  if (Array.isArray(errors) && errors.length > 0) {
    return errors
      .map((e) => (typeof e === 'string' ? e : `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`.trim()))
      .join('; ');
  }
  return err.message.split('\n')[0] ?? 'invalid CloudEvent';
}
