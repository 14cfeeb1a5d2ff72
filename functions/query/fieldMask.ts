/**
 * `fields`: AIP-157 partial responses, as Tekton Results serves them (its `internal/fieldmask`,
 * on by default in Results installs; `tkn-results` always sends
 * `fields=records.name,…,records.data.value.metadata,…,next_page_token`).
 *
 * Semantics kept from Results: paths are dot-separated proto (snake_case) names; a message keeps
 * only the named fields; a list applies the rest of the path to each item; a map keeps only the
 * named keys; `data.value` (JSON bytes, base64 in REST) is parsed and rebuilt with only the named
 * JSON paths, a missing one becoming null. Unknown names select nothing, as in Results.
 */
import { HttpError } from '../../shared/http/problem.js';

export type FieldMask = Map<string, FieldMask>;

/** Bounds the mask a caller may send: it is applied to every item of a page. */
const MAX_PATHS = 64;
const MAX_DEPTH = 8;

export function parseFields(raw: string | undefined): FieldMask | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const paths = raw
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (paths.length > MAX_PATHS) throw new HttpError(400, `fields names ${paths.length} paths; at most ${MAX_PATHS}`);
  const root: FieldMask = new Map();
  for (const p of paths) {
    const parts = p.split('.');
    if (parts.length > MAX_DEPTH || parts.some((s) => !/^[A-Za-z0-9_\-/]{1,128}$/.test(s))) {
      throw new HttpError(400, `fields path "${p}" is not a dot-separated list of field names`);
    }
    let m = root;
    for (const part of parts) {
      let next = m.get(part);
      if (!next) m.set(part, (next = new Map()));
      m = next;
    }
  }
  return root;
}

type Json = unknown;

/** A JSON value reduced to `mask` (see above). An empty mask keeps the value whole. */
function filterValue(value: Json, mask: FieldMask, key: string): Json {
  if (mask.size === 0) return value;
  if (Array.isArray(value)) return value.map((v) => filterValue(v, mask, key));
  if (key === 'value' && typeof value === 'string') return filterEncodedJson(value, mask);
  if (value !== null && typeof value === 'object') return filterObject(value as Record<string, Json>, mask);
  return value;
}

function filterObject(obj: Record<string, Json>, mask: FieldMask): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [k, sub] of mask) {
    if (Object.hasOwn(obj, k)) out[k] = filterValue(obj[k], sub, k);
  }
  return out;
}

/** Record `data.value`: base64 JSON, filtered by JSON path; a path that is absent reads null (gjson). */
function filterEncodedJson(b64: string, mask: FieldMask): string {
  let doc: Json;
  try {
    doc = JSON.parse(Buffer.from(b64, 'base64').toString('utf8'));
  } catch {
    return b64; // not JSON: Results leaves such bytes as they are
  }
  return Buffer.from(JSON.stringify(pickJson(doc, mask)), 'utf8').toString('base64');
}

function pickJson(doc: Json, mask: FieldMask): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [k, sub] of mask) {
    const v = doc !== null && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Record<string, Json>)[k] : undefined;
    out[k] = sub.size === 0 ? (v ?? null) : pickJson(v, sub);
  }
  return out;
}

/** The response body reduced to the mask; without a mask, the body itself. */
export function applyFields<T extends Record<string, Json>>(body: T, mask: FieldMask | undefined): Record<string, Json> {
  return mask ? filterObject(body, mask) : body;
}
