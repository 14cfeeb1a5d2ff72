/**
 * `matches()` patterns: RE2 syntax, run by Postgres in SQL (its ARE engine) and by a linear-time
 * RE2 engine (`@bufbuild/re2`) in process, so no pattern can make either work without bound.
 *
 * A pattern is accepted only in the part of RE2 both read alike, and written out for each:
 * literals, `.`, classes `[a-z_]` / `[^…]`, `\d \w \s` (ASCII, as in RE2) and `\D \W \S`
 * outside classes, groups `( )` and `(?: )`, alternation, anchors `^ $`, quantifiers
 * `* + ? {n} {n,} {n,m}` (n, m ≤ 255, Postgres' limit), optionally lazy. Neither `.` nor a
 * negated set matches a newline (Postgres' `(?p)` mode; the RE2 form says so explicitly), and
 * `^`/`$` match at the ends only. Refused with a reason: backreferences, lookaround, named
 * groups, inline flags, `\b` (a backspace to Postgres), `\p`, POSIX classes, and a repeated
 * repetition such as `(a+)+`.
 */
import { RE2JS } from '@bufbuild/re2';
import { filterError } from './parse.js';

export const MAX_PATTERN_LENGTH = 256;
const MAX_REPEAT = 255;

/** Class escapes, as ASCII sets (what RE2 means by them; Postgres' would follow the locale). */
const SETS: Record<string, string> = { d: '0-9', w: '0-9A-Za-z_', s: '\\t\\n\\f\\r ' };
/** Escapes that stand for themselves. */
const LITERAL = new Set([...'\\.-[]{}()*+?|^$/'.split(''), 'n', 't']);

export interface Pattern {
  /** for Postgres `~`, after `(?p)` */
  sql: string;
  /** for RE2 */
  re2: string;
}

function refuse(why: string): never {
  throw filterError(`matches(): ${why}`);
}

/** Checks `p` and writes it out for both engines; a 400 naming the problem otherwise. */
export function compilePattern(p: string): Pattern {
  if (p.length > MAX_PATTERN_LENGTH) refuse(`the pattern is longer than ${MAX_PATTERN_LENGTH} characters`);
  let sql = '';
  let re2 = '';
  const out = (s: string, r = s) => {
    sql += s;
    re2 += r;
  };
  const groups: boolean[] = []; // per open group: holds a quantifier
  let atom: 'none' | 'plain' | 'quantifiedGroup' = 'none';
  const quantifier = (q: string) => {
    if (atom === 'none') refuse(`nothing to repeat before "${q}"`);
    if (atom === 'quantifiedGroup') refuse('a repeated repetition such as (a+)+ is refused');
    if (groups.length > 0) groups[groups.length - 1] = true;
    out(q);
    atom = 'none';
  };
  let i = 0;
  while (i < p.length) {
    const c = p[i]!;
    if (c === '\\') {
      const n = p[i + 1];
      if (n === undefined) refuse('the pattern ends in a lone backslash');
      if (/[1-9]/.test(n)) refuse('backreferences are not RE2');
      const set = SETS[n.toLowerCase()];
      if (set && n === n.toLowerCase()) out(`[${set}]`);
      else if (set) out(`[^${set}]`, `[^${set}\\n]`);
      else if (LITERAL.has(n)) out(`\\${n}`);
      else refuse(`the escape \\${n} is not supported (use \\d \\w \\s, or escape punctuation)`);
      i += 2;
      atom = 'plain';
    } else if (c === '[') {
      let j = i + 1;
      const negated = p[j] === '^';
      if (negated) j++;
      let body = '';
      if (p[j] === ']') refuse('a ] at the start of a class must be escaped');
      while (j < p.length && p[j] !== ']') {
        const d = p[j]!;
        if (d === '\\') {
          const n = p[j + 1];
          if (n !== undefined && SETS[n]) body += SETS[n];
          else if (n !== undefined && LITERAL.has(n)) body += `\\${n}`;
          else refuse(`the escape \\${n ?? ''} is not supported inside [ ]`);
          j += 2;
        } else if (d === '[') refuse('POSIX classes and a [ inside a class are not supported; escape it as \\[');
        else {
          body += d;
          j++;
        }
      }
      if (j >= p.length) refuse('a [ is not closed');
      out(`[${negated ? '^' : ''}${body}]`, `[${negated ? '^\\n' : ''}${body}]`);
      i = j + 1;
      atom = 'plain';
    } else if (c === '(') {
      if (p[i + 1] === '?') {
        if (p[i + 2] !== ':') refuse('lookaround, named groups and inline flags are not supported');
        out('(?:');
        i += 3;
      } else {
        out('(');
        i++;
      }
      groups.push(false);
      atom = 'none';
    } else if (c === ')') {
      if (groups.length === 0) refuse('an unmatched ) must be escaped');
      const held = groups.pop()!;
      if (held && groups.length > 0) groups[groups.length - 1] = true;
      out(')');
      i++;
      atom = held ? 'quantifiedGroup' : 'plain';
    } else if (c === '*' || c === '+' || c === '?') {
      const lazy = p[i + 1] === '?' ? '?' : '';
      quantifier(c + lazy);
      i += 1 + lazy.length;
    } else if (c === '{') {
      const m = /^\{(\d{1,3})(,(\d{0,3}))?\}(\?)?/.exec(p.slice(i));
      if (!m) refuse('a { must start a repetition such as {2,5}; escape it as \\{ otherwise');
      const lo = Number(m[1]);
      const hi = m[3] ? Number(m[3]) : lo;
      if (lo > MAX_REPEAT || hi > MAX_REPEAT || hi < lo) refuse(`repetition counts are 0-${MAX_REPEAT}, the first not above the second`);
      quantifier(m[0]);
      i += m[0].length;
    } else if (c === '}' || c === ']') {
      refuse(`an unmatched ${c} must be escaped`);
    } else {
      out(c);
      i++;
      atom = c === '|' || c === '^' || c === '$' ? 'none' : 'plain';
    }
  }
  if (groups.length > 0) refuse('a ( is not closed');
  try {
    RE2JS.compile(re2);
  } catch (err) {
    refuse(`bad pattern: ${(err as Error).message}`);
  }
  return { sql, re2 };
}

/** The in-process matcher: RE2, linear in the input. */
export function re2Matcher(p: Pattern): (s: string) => boolean {
  const re = RE2JS.compile(p.re2);
  return (s) => re.test(s);
}
