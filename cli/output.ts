/**
 * Text output: aligned tables, times and durations, and colour only where a person reads it
 * (a terminal, NO_COLOR unset, TERM not "dumb", no --no-color).
 */
import { stringify } from 'yaml';

export type Format = 'table' | 'json' | 'yaml';
export const FORMATS: Format[] = ['table', 'json', 'yaml'];

export interface Style {
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
}

const sgr = (open: number, close: number) => (s: string) => (s ? `\u001b[${open}m${s}\u001b[${close}m` : s);
const plain = (s: string) => s;
export const PLAIN: Style = { red: plain, yellow: plain, green: plain, bold: plain, dim: plain };

export function styleFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv, colorFlag: boolean): Style {
  const on = colorFlag && stream.isTTY === true && !('NO_COLOR' in env && env['NO_COLOR'] !== '') && env['TERM'] !== 'dumb';
  if (!on) return PLAIN;
  return { red: sgr(31, 39), yellow: sgr(33, 39), green: sgr(32, 39), bold: sgr(1, 22), dim: sgr(2, 22) };
}

// eslint-disable-next-line no-control-regex
const ANSI_RE = /\u001b\[[0-9;]*m/g;
export const width = (s: string) => [...s.replace(ANSI_RE, '')].length;

/** Columns padded to their widest cell; the last column is never padded (notes run long). */
export function table(header: string[], rows: string[][], style: Style): string {
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i]! - width(c))))
      .join('  ')
      .trimEnd();
  return [style.bold(line(header)), ...rows.map(line)].join('\n');
}

export function serialize(value: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? JSON.stringify(value, null, 2) : stringify(value, { lineWidth: 0 }).trimEnd();
}

/** 3m10s, 45s, 1h02m. */
export function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Offset from the run's start: +0:22, +3:10, +1:02:03. */
export function offset(ms: number): string {
  if (!Number.isFinite(ms)) return '';
  const sign = ms < 0 ? '-' : '+';
  const s = Math.round(Math.abs(ms) / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${sign}${h}:${String(m).padStart(2, '0')}:${sec}` : `${sign}${m}:${sec}`;
}

/** 2026-11-24 09:00:00Z: RFC 3339 without the T and fractions, for reading. */
export function when(t: string | null | undefined): string {
  if (!t) return '-';
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? t : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** One line of at most `max` characters (0: no limit). */
export function oneLine(s: string, max: number): string {
  const flat = s.replace(/\s*\n\s*/g, ' ').trim();
  return max > 0 && [...flat].length > max ? `${[...flat].slice(0, max - 1).join('')}…` : flat;
}

export function statusText(status: string, style: Style): string {
  if (status === 'SUCCESS') return style.green(status);
  if (status === 'FAILURE' || status === 'TIMEOUT') return style.red(status);
  if (status === 'CANCELLED') return style.yellow(status);
  return status;
}
