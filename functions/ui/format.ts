/** How the pages write statuses, times and durations. Pure. */
import { html, type SafeHtml } from './html.js';

const STATUS_LABEL: Record<string, string> = {
  SUCCESS: 'Succeeded',
  FAILURE: 'Failed',
  TIMEOUT: 'Timed out',
  CANCELLED: 'Cancelled',
  UNKNOWN: 'Unknown',
};

/** A summary status (SUCCESS, FAILURE…; null while running) → CSS class suffix. */
export function statusClass(status: string | null | undefined): string {
  if (!status) return 's-running';
  const known = STATUS_LABEL[status.toUpperCase()];
  return known ? `s-${status.toLowerCase()}` : 's-unknown';
}

export function statusBadge(status: string | null | undefined, runningLabel = 'Running'): SafeHtml {
  const label = status ? (STATUS_LABEL[status.toUpperCase()] ?? status) : runningLabel;
  return html`<span class="badge ${statusClass(status)}">${label}</span>`;
}

export const isFailed = (status: string | null | undefined): boolean => status === 'FAILURE' || status === 'TIMEOUT';

const ms = (t: string | null | undefined): number | undefined => {
  if (!t) return undefined;
  const v = Date.parse(t);
  return Number.isFinite(v) ? v : undefined;
};
export { ms as parseTime };

/** `2026-11-24 09:00:05 UTC` */
export function when(t: string | null | undefined): string {
  const v = ms(t);
  if (v === undefined) return '—';
  return new Date(v).toISOString().replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');
}

/** `3m 10s`, `1h 02m`, `850ms` */
export function duration(millis: number): string {
  if (!Number.isFinite(millis) || millis < 0) return '—';
  if (millis === 0) return '0s';
  if (millis < 1000) return `${Math.round(millis)}ms`;
  const s = Math.round(millis / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

export function between(start: string | null | undefined, end: string | null | undefined): string {
  const a = ms(start);
  const b = ms(end);
  return a !== undefined && b !== undefined ? duration(b - a) : '—';
}

/** Offset from the start of the run: `+1m 05s`. */
export function offset(t: string | null | undefined, origin: number): string {
  const v = ms(t);
  return v === undefined ? '' : `+${duration(Math.max(0, v - origin))}`;
}

/** A note cut to one line for a table cell; the full text goes into `<details>`. */
export function firstLine(text: string, max = 140): { short: string; cut: boolean } {
  const line = text.split('\n', 1)[0] ?? '';
  if (line.length <= max && line.length === text.length) return { short: line, cut: false };
  return { short: line.length > max ? `${line.slice(0, max - 1)}…` : line, cut: true };
}
