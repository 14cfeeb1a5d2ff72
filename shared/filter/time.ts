/**
 * Times in filters. A time is held as microseconds since the epoch (a bigint: Postgres keeps
 * microseconds, and year 9999 is past Number's exact range), so SQL and in-process evaluation
 * compare the same values.
 *
 * Accepted: a calendar date, optionally with a time of day and a zone (`2026-01-02`,
 * `2026-01-02 03:04:05.123+02`, `2026-01-02T03:04:05Z`), years 0001-9999; no zone means UTC.
 * `timestamp("…")` takes RFC 3339 (with `/` also accepted between date parts, as Tekton Results'
 * Postgres cast does). Dates that do not exist
 * (`2026-02-30`), fields out of range and Postgres' special words (`now`, `epoch`, `infinity`)
 * are refused: a filter means the same whenever it runs.
 */
import { filterError } from './parse.js';

const LOOSE = /^(\d{4})[-/](\d{2})[-/](\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;
const RFC3339 = /^(\d{4})[-/](\d{2})[-/](\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const leap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** Days from 1970-01-01 to y-m-d (proleptic Gregorian, as Postgres counts). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Microseconds since the epoch, or a 400 that says what is wrong with `text`. */
export function parseTime(text: string, strict = false): bigint {
  const m = (strict ? RFC3339 : LOOSE).exec(text.trim());
  if (!m) throw filterError(`${strict ? `timestamp("${text}")` : `"${text}"`} is not an RFC 3339 time such as 2026-01-02T03:04:05Z`);
  const [y, mo, d, h = 0, mi = 0, s = 0] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((v) => (v === undefined ? undefined : Number(v))) as number[];
  if (y! < 1) throw filterError(`"${text}": year 0000 does not exist`);
  if (mo! < 1 || mo! > 12) throw filterError(`"${text}": month ${mo} does not exist`);
  const inMonth = mo === 2 && leap(y!) ? 29 : DAYS[mo! - 1]!;
  if (d! < 1 || d! > inMonth) throw filterError(`"${text}": day ${d} does not exist in ${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}`);
  if (h > 23 || mi > 59 || s > 59) throw filterError(`"${text}": ${h}:${mi}:${s} is not a time of day`);
  let offsetMin = 0;
  if (m[9]) {
    const oh = Number(m[10]);
    const om = Number(m[11] ?? 0);
    if (oh > 15 || om > 59) throw filterError(`"${text}": zone offset out of range`);
    offsetMin = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const frac = BigInt((m[7] ?? '').padEnd(6, '0').slice(0, 6) || '0');
  const seconds = BigInt(daysFromCivil(y!, mo!, d!)) * 86400n + BigInt(h * 3600 + mi * 60 + s - offsetMin * 60);
  return seconds * 1_000_000n + frac;
}

/** RFC 3339 in UTC with microseconds: what Postgres reads back as the same instant. */
export function formatTime(micros: bigint): string {
  const ms = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const iso = new Date(Number(ms)).toISOString(); // 2026-01-02T03:04:05.123Z
  const sub = ((micros % 1_000_000n) + 1_000_000n) % 1_000_000n;
  return `${iso.slice(0, 19)}.${String(sub).padStart(6, '0')}Z`;
}

/** The date parts Tekton Results' filters offer, in UTC, numbered as the CEL spec numbers them. */
export const DATE_PARTS = {
  getFullYear: (d: Date) => d.getUTCFullYear(),
  getDate: (d: Date) => d.getUTCDate(),
  getDayOfMonth: (d: Date) => d.getUTCDate() - 1,
  getDayOfWeek: (d: Date) => d.getUTCDay(),
  getDayOfYear: (d: Date) => Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000),
  getMonth: (d: Date) => d.getUTCMonth(),
  getHours: (d: Date) => d.getUTCHours(),
  getMinutes: (d: Date) => d.getUTCMinutes(),
  getSeconds: (d: Date) => d.getUTCSeconds(),
} as const;
export type DatePart = keyof typeof DATE_PARTS;

/** The same parts in SQL over a timestamptz expression. */
export const DATE_PARTS_SQL: Record<DatePart, (t: string) => string> = {
  getFullYear: (t) => `extract(year from ${t} at time zone 'UTC')`,
  getDate: (t) => `extract(day from ${t} at time zone 'UTC')`,
  getDayOfMonth: (t) => `(extract(day from ${t} at time zone 'UTC') - 1)`,
  getDayOfWeek: (t) => `extract(dow from ${t} at time zone 'UTC')`,
  getDayOfYear: (t) => `(extract(doy from ${t} at time zone 'UTC') - 1)`,
  getMonth: (t) => `(extract(month from ${t} at time zone 'UTC') - 1)`,
  getHours: (t) => `extract(hour from ${t} at time zone 'UTC')`,
  getMinutes: (t) => `extract(minute from ${t} at time zone 'UTC')`,
  getSeconds: (t) => `floor(extract(second from ${t} at time zone 'UTC'))`,
};

/** Microseconds → Date (milliseconds; the parts above need no finer). */
export const toDate = (micros: bigint): Date => new Date(Number(micros / 1000n));
