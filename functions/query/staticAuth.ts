/**
 * `static` query authorisation: a table of tokens, each with the namespaces it may read and
 * the verbs it may use, from `QUERY_TOKENS_FILE` (YAML or JSON) and/or `QUERY_TOKEN` (one token
 * for every namespace and verb: the local-development shortcut).
 *
 * Token file (YAML; the same structure as JSON works too):
 *   tokens:
 *     - name: team-a-dashboard          # optional, only for logs
 *       token: "…at least 16 characters…"
 *       namespaces: [team-a, team-b]    # or ["*"] for every namespace
 *     - name: ci-cleanup
 *       sha256: "<hex SHA-256 of the token>"   # instead of `token`: the file then holds no secret
 *       namespaces: ["*"]
 *       verbs: [get, list, delete]      # default [get, list]: reading only
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../../shared/config.js';
import { unauthorized } from '../../shared/http/auth.js';
import { HttpError } from '../../shared/http/problem.js';
import { NAMESPACE_RE } from '../../shared/names.js';
import type { Caller } from '../../shared/http/caller.js';
import type { Authorizer, Scope, Verb } from './access.js';

const VERBS = ['get', 'list', 'delete'] as const;

const EntrySchema = z
  .object({
    name: z.string().min(1).max(253).optional(),
    token: z.string().min(16, 'a token must be at least 16 characters').max(4096).optional(),
    sha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'sha256 must be 64 hex digits')
      .optional(),
    namespaces: z
      .array(z.string().refine((ns) => ns === '*' || NAMESPACE_RE.test(ns), 'not a namespace name or "*"'))
      .min(1, 'list at least one namespace, or "*"'),
    verbs: z.array(z.enum(VERBS)).min(1).default(['get', 'list']),
  })
  .strict()
  .refine((e) => (e.token === undefined) !== (e.sha256 === undefined), 'give exactly one of token and sha256');

export const TokenFileSchema = z.object({ tokens: z.array(EntrySchema) }).strict();

export interface TokenEntry {
  name: string;
  /** SHA-256 of the token: the raw token is not kept. */
  digest: Buffer;
  /** null: every namespace */
  namespaces: string[] | null;
  verbs: ReadonlySet<Verb>;
}

const digestOf = (token: string): Buffer => createHash('sha256').update(token).digest();

/** Parses a token file's text (YAML or JSON). Errors name the entry and field, never a token. */
export function parseTokenFile(text: string, source: string): TokenEntry[] {
  let raw: unknown;
  try {
    // failsafe: every scalar stays a string, so a token of digits is not turned into a number.
    raw = parseYaml(text, { schema: 'failsafe', uniqueKeys: true });
  } catch (err) {
    throw new ConfigError(`${source}: not valid YAML or JSON: ${(err as Error).message.split('\n', 1)[0]}`);
  }
  const parsed = TokenFileSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(file)'}: ${i.message}`);
    throw new ConfigError(`${source}: invalid token file:\n${lines.join('\n')}`);
  }
  const entries = parsed.data.tokens.map((e, i) => ({
    name: e.name ?? `tokens[${i}]`,
    digest: e.sha256 !== undefined ? Buffer.from(e.sha256, 'hex') : digestOf(e.token!),
    namespaces: e.namespaces.includes('*') ? null : [...new Set(e.namespaces)],
    verbs: new Set(e.verbs),
  }));
  const seen = new Set<string>();
  for (const e of entries) {
    const hex = e.digest.toString('hex');
    if (seen.has(hex)) throw new ConfigError(`${source}: ${e.name} repeats a token of an earlier entry`);
    seen.add(hex);
  }
  return entries;
}

export async function loadTokenFile(file: string): Promise<TokenEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`QUERY_TOKENS_FILE ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseTokenFile(text, `QUERY_TOKENS_FILE ${file}`);
}

/** The `QUERY_TOKEN` shortcut: every namespace, every verb. */
export function allAccessEntry(token: string): TokenEntry {
  return { name: 'QUERY_TOKEN', digest: digestOf(token), namespaces: null, verbs: new Set(VERBS) };
}

export class TokenTableAuthorizer implements Authorizer {
  constructor(private readonly entries: TokenEntry[]) {
    if (entries.length === 0) throw new ConfigError('static query authorisation needs QUERY_TOKEN or a QUERY_TOKENS_FILE with tokens');
  }

  /** Compares against every entry in constant time (no early exit reveals which one matched). */
  private find(token: string): TokenEntry | undefined {
    const given = digestOf(token);
    let found: TokenEntry | undefined;
    for (const e of this.entries) {
      if (timingSafeEqual(given, e.digest)) found ??= e;
    }
    return found;
  }

  async authorize(caller: Caller, parent: string, verb: Verb): Promise<Scope> {
    const { token } = caller;
    // A static token names no Kubernetes identity that could be allowed to impersonate: a proxy
    // relying on the headers must not silently get the token's own (wider) namespaces.
    if (caller.impersonate) throw new HttpError(403, 'impersonation is not available with static tokens (QUERY_AUTH_MODE=static)');
    if (!token) throw unauthorized('missing token: send Authorization: Bearer <token>');
    const entry = this.find(token);
    if (!entry) throw unauthorized('invalid token');
    if (!entry.verbs.has(verb)) throw new HttpError(403, `this token may not ${verb} results`);
    if (entry.namespaces === null) return { all: true };
    if (parent === '-') return { all: false, namespaces: entry.namespaces };
    if (!entry.namespaces.includes(parent)) throw new HttpError(403, `this token may not read namespace "${parent}"`);
    return { all: false, namespaces: [parent] };
  }
}
