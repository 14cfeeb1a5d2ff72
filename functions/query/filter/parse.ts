/**
 * A CEL subset, as Tekton Results' list filters use it: literals, field selection, indexing,
 * `&&` `||` `!`, comparisons, `in`, and the calls `exists`, `startsWith`, `endsWith`,
 * `contains`, `timestamp`, `size`. Parsed into a small AST; compile.ts turns that into SQL.
 */
import { HttpError } from '../../../shared/http/problem.js';

export type Node =
  | { k: 'lit'; v: string | number | boolean | null }
  | { k: 'list'; items: Node[] }
  | { k: 'ident'; name: string }
  | { k: 'select'; of: Node; field: string }
  | { k: 'index'; of: Node; at: Node }
  | { k: 'call'; fn: string; target: Node | null; args: Node[] }
  | { k: 'not'; of: Node }
  | { k: 'bin'; op: '&&' | '||' | '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in'; l: Node; r: Node };

type Tok = { t: 'id' | 'str' | 'num' | 'op' | 'end'; v: string; at: number };

const MAX_LENGTH = 4096;
const MAX_DEPTH = 32;

function bad(at: number, what: string): HttpError {
  return new HttpError(400, `filter: ${what} at position ${at + 1}`);
}

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const at = i;
    if (/[A-Za-z_]/.test(c)) {
      while (i < src.length && /[A-Za-z0-9_]/.test(src[i]!)) i++;
      out.push({ t: 'id', v: src.slice(at, i), at });
    } else if (/[0-9]/.test(c)) {
      while (i < src.length && /[0-9.]/.test(src[i]!)) i++;
      out.push({ t: 'num', v: src.slice(at, i), at });
    } else if (c === '"' || c === "'") {
      i++;
      let v = '';
      while (i < src.length && src[i] !== c) {
        if (src[i] === '\\') {
          const n = src[i + 1];
          if (n === undefined) break;
          v += n === 'n' ? '\n' : n === 't' ? '\t' : n;
          i += 2;
        } else v += src[i++];
      }
      if (src[i] !== c) throw bad(at, 'unterminated string');
      i++;
      out.push({ t: 'str', v, at });
    } else {
      const two = src.slice(i, i + 2);
      if (['&&', '||', '==', '!=', '<=', '>='].includes(two)) {
        out.push({ t: 'op', v: two, at });
        i += 2;
      } else if ('()[],.!<>'.includes(c)) {
        out.push({ t: 'op', v: c, at });
        i++;
      } else throw bad(at, `unexpected character "${c}"`);
    }
  }
  out.push({ t: 'end', v: '', at: src.length });
  return out;
}

export function parseFilter(src: string): Node {
  if (src.length > MAX_LENGTH) throw new HttpError(400, `filter: longer than ${MAX_LENGTH} characters`);
  const toks = lex(src);
  let p = 0;
  let depth = 0;
  const peek = () => toks[p]!;
  const take = () => toks[p++]!;
  const expect = (v: string) => {
    const t = take();
    if (t.v !== v || t.t === 'str') throw bad(t.at, `expected "${v}"`);
  };
  const deeper = <T>(fn: () => T): T => {
    if (++depth > MAX_DEPTH) throw bad(peek().at, `nesting deeper than ${MAX_DEPTH}`);
    const out = fn();
    depth--;
    return out;
  };

  const or = (): Node => {
    let l = and();
    while (peek().v === '||' && peek().t === 'op') {
      take();
      l = { k: 'bin', op: '||', l, r: and() };
    }
    return l;
  };
  const and = (): Node => {
    let l = rel();
    while (peek().v === '&&' && peek().t === 'op') {
      take();
      l = { k: 'bin', op: '&&', l, r: rel() };
    }
    return l;
  };
  const rel = (): Node => {
    const l = unary();
    const t = peek();
    if ((t.t === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.v)) || (t.t === 'id' && t.v === 'in')) {
      take();
      return { k: 'bin', op: t.v as 'in', l, r: unary() };
    }
    return l;
  };
  const unary = (): Node => {
    if (peek().t === 'op' && peek().v === '!') {
      take();
      return deeper(() => ({ k: 'not', of: unary() }));
    }
    return member();
  };
  const args = (): Node[] => {
    const list: Node[] = [];
    if (peek().v !== ')') {
      list.push(deeper(or));
      while (peek().v === ',') {
        take();
        list.push(deeper(or));
      }
    }
    expect(')');
    return list;
  };
  const member = (): Node => {
    let n = primary();
    for (;;) {
      const t = peek();
      if (t.t === 'op' && t.v === '.') {
        take();
        const f = take();
        if (f.t !== 'id') throw bad(f.at, 'expected a field name');
        if (peek().v === '(' && peek().t === 'op') {
          take();
          n = { k: 'call', fn: f.v, target: n, args: args() };
        } else n = { k: 'select', of: n, field: f.v };
      } else if (t.t === 'op' && t.v === '[') {
        take();
        const at = deeper(or);
        expect(']');
        n = { k: 'index', of: n, at };
      } else return n;
    }
  };
  const primary = (): Node => {
    const t = take();
    if (t.t === 'str') return { k: 'lit', v: t.v };
    if (t.t === 'num') {
      if (!/^\d+(\.\d+)?$/.test(t.v)) throw bad(t.at, `bad number "${t.v}"`);
      return { k: 'lit', v: Number(t.v) };
    }
    if (t.t === 'id') {
      if (t.v === 'true' || t.v === 'false') return { k: 'lit', v: t.v === 'true' };
      if (t.v === 'null') return { k: 'lit', v: null };
      if (peek().v === '(' && peek().t === 'op') {
        take();
        return { k: 'call', fn: t.v, target: null, args: args() };
      }
      return { k: 'ident', name: t.v };
    }
    if (t.v === '(') {
      const n = deeper(or);
      expect(')');
      return n;
    }
    if (t.v === '[') {
      const items: Node[] = [];
      if (peek().v !== ']') {
        items.push(deeper(or));
        while (peek().v === ',') {
          take();
          items.push(deeper(or));
        }
      }
      expect(']');
      return { k: 'list', items };
    }
    throw bad(t.at, t.t === 'end' ? 'unexpected end' : `unexpected "${t.v}"`);
  };

  const tree = or();
  if (peek().t !== 'end') throw bad(peek().at, `unexpected "${peek().v}"`);
  return tree;
}
