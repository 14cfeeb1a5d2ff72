/**
 * Where the CLI connects, and as whom: a flag, else an environment variable, else the config
 * file, else the default (the local server `npm start` runs).
 *
 *   server     --server      TKN_EVENTS_SERVER     server:     default http://127.0.0.1:8080
 *   token      --token       TKN_EVENTS_TOKEN      token:      none
 *   namespace  -n            TKN_EVENTS_NAMESPACE  namespace:  default: the kubeconfig's current context's, else "default"
 *
 * The config file is $TKN_EVENTS_CONFIG, else $XDG_CONFIG_HOME/tkn-events/config.yaml, else
 * ~/.config/tkn-events/config.yaml. A missing file is fine; a broken one is an error that says
 * where. A token in it should be readable by its owner only: the CLI warns otherwise.
 */
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

export const DEFAULT_SERVER = 'http://127.0.0.1:8080';

const FileSchema = z
  .object({
    server: z.string().min(1).optional(),
    token: z.string().min(1).optional(),
    namespace: z.string().min(1).optional(),
  })
  .strict();

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface Settings {
  server: string;
  token: string | undefined;
  namespace: string;
  configFile: string;
  warnings: string[];
}

export function configPath(env: NodeJS.ProcessEnv): string {
  if (env['TKN_EVENTS_CONFIG']) return env['TKN_EVENTS_CONFIG'];
  const base = env['XDG_CONFIG_HOME'] || path.join(env['HOME'] || homedir(), '.config');
  return path.join(base, 'tkn-events', 'config.yaml');
}

function readConfig(file: string, warnings: string[]): z.infer<typeof FileSchema> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new UsageError(`cannot read the config file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let raw: unknown;
  try {
    // failsafe: every value stays a string (a token of digits is not turned into a number)
    raw = parse(text, { schema: 'failsafe' }) ?? {};
  } catch (err) {
    throw new UsageError(`the config file ${file} is not valid YAML: ${(err as Error).message.split('\n', 1)[0]}`);
  }
  const parsed = FileSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ');
    throw new UsageError(`the config file ${file} is invalid (${issues}); it takes server, token and namespace`);
  }
  if (parsed.data.token && process.platform !== 'win32') {
    try {
      if ((statSync(file).mode & 0o077) !== 0) warnings.push(`${file} holds a token and is readable by others: chmod 600 ${file}`);
    } catch {
      // it was just read; a race here is no reason to fail
    }
  }
  return parsed.data;
}

/**
 * The namespace of the kubeconfig's current context, as `tkn` and `kubectl` default to it
 * ($KUBECONFIG's files in order, else ~/.kube/config). Read as plain YAML: loading the
 * Kubernetes client would slow every command down for one field. Any problem: undefined.
 */
export function kubeNamespace(env: NodeJS.ProcessEnv): string | undefined {
  const files = env['KUBECONFIG'] ? env['KUBECONFIG'].split(path.delimiter).filter(Boolean) : [path.join(env['HOME'] || homedir(), '.kube', 'config')];
  const docs: { 'current-context'?: unknown; contexts?: unknown }[] = [];
  for (const f of files) {
    try {
      const d = parse(readFileSync(f, 'utf8'), { schema: 'failsafe' }) as unknown;
      if (d && typeof d === 'object') docs.push(d as (typeof docs)[number]);
    } catch {
      // unreadable or not YAML: kubectl would complain, the default namespace is enough here
    }
  }
  // The first file that sets current-context wins, as kubectl merges them.
  const current = docs.map((d) => d['current-context']).find((c): c is string => typeof c === 'string' && c !== '');
  if (!current) return undefined;
  for (const d of docs) {
    if (!Array.isArray(d.contexts)) continue;
    const ctx = (d.contexts as { name?: unknown; context?: { namespace?: unknown } }[]).find((c) => c?.name === current);
    if (ctx) return typeof ctx.context?.namespace === 'string' && ctx.context.namespace !== '' ? ctx.context.namespace : undefined;
  }
  return undefined;
}

export function resolveSettings(flags: { server?: string | undefined; token?: string | undefined; namespace?: string | undefined }, env: NodeJS.ProcessEnv): Settings {
  const configFile = configPath(env);
  const warnings: string[] = [];
  const file = readConfig(configFile, warnings);
  const pick = (flag: string | undefined, name: string, fromFile: string | undefined) => flag || env[name] || fromFile;
  return {
    server: pick(flags.server, 'TKN_EVENTS_SERVER', file.server) ?? DEFAULT_SERVER,
    token: pick(flags.token, 'TKN_EVENTS_TOKEN', file.token),
    namespace: pick(flags.namespace, 'TKN_EVENTS_NAMESPACE', file.namespace) ?? kubeNamespace(env) ?? 'default',
    configFile,
    warnings,
  };
}
