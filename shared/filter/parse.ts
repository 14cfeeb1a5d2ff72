/**
 * Parses a filter with a maintained CEL parser (`@marcbachmann/cel-js`, see docs/design.md) and
 * turns its syntax tree into the small tree the checker reads. The parser decodes literals as
 * the CEL spec says (escapes `\u0063`, `\143`, `\x63`, raw strings `r"…"`, triple quotes,
 * bytes); this module only refuses what a filter cannot use (arithmetic, maps, `?:`) and bounds
 * the size of what it accepts.
 */
import { Environment, ParseError } from '@marcbachmann/cel-js';
import type { ASTNode } from '@marcbachmann/cel-js';
import { HttpError } from '../http/problem.js';

export type CmpOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

export type Node =
  | { k: 'lit'; v: string | number | bigint | boolean | null }
  | { k: 'list'; items: Node[] }
  | { k: 'ident'; name: string }
  | { k: 'select'; of: Node; field: string }
  | { k: 'index'; of: Node; at: Node }
  | { k: 'call'; fn: string; target: Node | null; args: Node[] }
  | { k: 'not'; of: Node }
  | { k: 'bin'; op: '&&' | '||' | CmpOp | 'in' | '+'; l: Node; r: Node };

/** Characters of filter text; Results' own limit is the URL's. */
export const MAX_FILTER_LENGTH = 4096;
/** Syntax tree nodes: a few hundred is far more than any real filter, and bounds the work. */
export const MAX_FILTER_NODES = 300;
export const MAX_FILTER_DEPTH = 32;

const env = new Environment({
  limits: { maxAstNodes: MAX_FILTER_NODES, maxDepth: MAX_FILTER_DEPTH, maxListElements: 100, maxMapEntries: 0, maxCallArguments: 4 },
});

export function filterError(detail: string): HttpError {
  return new HttpError(400, `filter: ${detail}`);
}

const LIMIT_WORDS: Record<string, string> = {
  maxAstNodes: `more than ${MAX_FILTER_NODES} terms`,
  maxDepth: `nesting deeper than ${MAX_FILTER_DEPTH}`,
  maxListElements: 'a list of more than 100 items',
  maxMapEntries: 'map literals are not supported',
  maxCallArguments: 'too many arguments in a call',
};

function parseMessage(err: ParseError): string {
  const limit = /^Exceeded (\w+)/.exec(err.summary);
  const said = err.summary === 'Unexpected token: EOF' ? 'unexpected end' : err.summary.charAt(0).toLowerCase() + err.summary.slice(1);
  const what = limit ? (LIMIT_WORDS[limit[1]!] ?? said) : said;
  const at = err.range?.start;
  return at === undefined ? what : `${what} at position ${at + 1}`;
}

const BINARY = new Set(['&&', '||', '==', '!=', '<', '<=', '>', '>=', 'in', '+']);

function convertAt(n: ASTNode, depth = 0): Node {
  // The parser bounds most nesting; a run of `!` it folds is bounded here.
  if (depth > MAX_FILTER_DEPTH) throw filterError(`nesting deeper than ${MAX_FILTER_DEPTH} at position ${n.pos + 1}`);
  const convert = (c: ASTNode) => convertAt(c, depth + 1);
  const a = n.args as unknown;
  switch (n.op) {
    case 'value': {
      if (a instanceof Uint8Array) throw filterError('bytes literals are not supported');
      if (typeof a === 'object' && a !== null) throw filterError('unsigned integers are not supported');
      return { k: 'lit', v: a as string | number | bigint | boolean | null };
    }
    case 'id':
      return { k: 'ident', name: a as string };
    case '.': {
      const [of, field] = a as [ASTNode, string];
      return { k: 'select', of: convert(of), field };
    }
    case '[]': {
      const [of, at] = a as [ASTNode, ASTNode];
      return { k: 'index', of: convert(of), at: convert(at) };
    }
    case 'call': {
      const [fn, args] = a as [string, ASTNode[]];
      return { k: 'call', fn, target: null, args: args.map(convert) };
    }
    case 'rcall': {
      const [fn, target, args] = a as [string, ASTNode, ASTNode[]];
      return { k: 'call', fn, target: convert(target), args: args.map(convert) };
    }
    case 'list':
      return { k: 'list', items: (a as ASTNode[]).map(convert) };
    case '!_':
      return { k: 'not', of: convert(a as ASTNode) };
    case '-_': {
      // CEL has no negative literals: `-5` is negation of 5. Fold it; arithmetic stays refused.
      const of = convert(a as ASTNode);
      if (of.k === 'lit' && (typeof of.v === 'bigint' || typeof of.v === 'number')) return { k: 'lit', v: -of.v };
      throw filterError('arithmetic is not supported (only negative number literals)');
    }
    case '.?':
    case '[?]':
      throw filterError('optional selection (.? and [?]) is not supported');
    case 'map':
      throw filterError('map literals are not supported');
    case '?:':
      throw filterError('the conditional operator ?: is not supported');
    default: {
      if (BINARY.has(n.op)) {
        const [l, r] = a as [ASTNode, ASTNode];
        // A chain `a || b || c …` is a list of alternatives, not nesting: its left spine keeps the depth.
        const left = (n.op === '||' || n.op === '&&') && l.op === n.op ? convertAt(l, depth) : convert(l);
        return { k: 'bin', op: n.op as Extract<Node, { k: 'bin' }>['op'], l: left, r: convert(r) };
      }
      throw filterError(`the operator ${n.op} is not supported (no arithmetic in filters)`);
    }
  }
}

/** The filter's syntax tree; 400 naming the problem (and where) for anything it cannot be. */
export function parseFilter(src: string): Node {
  if (src.length > MAX_FILTER_LENGTH) throw filterError(`longer than ${MAX_FILTER_LENGTH} characters`);
  let ast: ASTNode;
  try {
    ast = env.parse(src).ast;
  } catch (err) {
    if (err instanceof ParseError) throw filterError(parseMessage(err));
    throw err;
  }
  return convertAt(ast);
}
