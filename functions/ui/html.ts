/**
 * The one way the pages build HTML: the `html` tagged template. Every interpolated value is
 * escaped unless it is itself the output of `html` (a `SafeHtml`), so a note such as
 * `<img src=x onerror=alert(1)>` can only ever appear as text. There is deliberately no "raw"
 * escape hatch: the stylesheet is served as a file, never inlined.
 *
 * Escaping `& < > " '` makes a value safe in text and in quoted attribute values, the only two
 * places the templates interpolate. URLs are built by `href()` from percent-encoded segments,
 * so a value cannot turn a link into `javascript:`.
 */

const brand = Symbol('SafeHtml');

export interface SafeHtml {
  readonly [brand]: true;
  readonly text: string;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function isSafe(v: unknown): v is SafeHtml {
  return typeof v === 'object' && v !== null && brand in v;
}

const safe = (text: string): SafeHtml => ({ [brand]: true, text });

/** A value a template may hold: text (escaped), numbers, nested templates, lists of those, or nothing. */
export type Interpolation = SafeHtml | string | number | boolean | null | undefined | readonly Interpolation[];

function render(v: Interpolation): string {
  if (v === null || v === undefined || v === false) return '';
  if (Array.isArray(v)) return v.map(render).join('');
  if (isSafe(v)) return v.text;
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return safe(out);
}

/**
 * A same-site link: `/ui/…` segments percent-encoded one by one, and an optional query string
 * built by URLSearchParams. The result is still escaped when interpolated (`&` → `&amp;`).
 */
export function href(segments: readonly string[], query?: Record<string, string | undefined>): string {
  const path = '/' + segments.map((s) => encodeURIComponent(s)).join('/');
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') q.set(k, v);
  const qs = q.toString();
  return qs ? `${path}?${qs}` : path;
}
