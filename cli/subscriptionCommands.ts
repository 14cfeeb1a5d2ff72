/**
 * `tkn-events subscription create|list|delete` (alias `sub`): webhook subscriptions through the
 * typed client. The signing secret is printed once, on creation: the API never returns it again.
 */
import type { Command } from 'commander';
import { EventsClient, type ChangeKind, type Subscription } from '../shared/client/index.js';
import { oneLine, serialize, styleFor, table, type Format, type Style } from './output.js';
import { UsageError, type Settings } from './settings.js';

interface Out {
  stdout: { write(s: string): boolean; isTTY?: boolean; columns?: number };
  stderr: { write(s: string): boolean };
  env: NodeJS.ProcessEnv;
}

type Action = (fn: (s: Settings, o: { output: Format; color: boolean }, ...rest: unknown[]) => Promise<void>) => (...args: unknown[]) => Promise<void>;

const KINDS: ChangeKind[] = ['event', 'run'];
/** The server caps a page at 1000; this bounds a list to 100 000 subscriptions. */
const MAX_PAGES = 100;

const list = (v: string) =>
  v
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');

function kindsOf(v: string): ChangeKind[] {
  const kinds = list(v);
  const bad = kinds.filter((k) => !(KINDS as string[]).includes(k));
  if (bad.length > 0 || kinds.length === 0) throw new UsageError(`--kinds "${v}": expected a comma-separated list of ${KINDS.join(', ')}`);
  return [...new Set(kinds)] as ChangeKind[];
}

export function renderSubscriptions(subs: Subscription[], style: Style, columns: number): string {
  if (subs.length === 0) return 'No subscriptions.';
  const rows = subs.map((s) => [
    s.id,
    s.url,
    s.namespaces === null ? '*' : s.namespaces.join(','),
    s.kinds.join(','),
    // on a terminal a long filter is cut to keep one line per subscription; a pipe gets it whole
    oneLine(s.filter || '-', columns > 0 ? Math.max(20, Math.min(60, columns - 60)) : 0),
    s.enabled ? 'yes' : style.red(`no${s.disabled_reason ? ` (${s.disabled_reason})` : ''}`),
  ]);
  return table(['ID', 'URL', 'NAMESPACES', 'KINDS', 'FILTER', 'ENABLED'], rows, style);
}

/**
 * `namespacesSeen`: every `-n` of the command line in order. The root's `-n` takes them (one
 * namespace for the other commands), so `create -n a -n b` reads them from there.
 */
export function addSubscriptionCommands(p: Command, io: Out, run: Action, namespacesSeen: () => string[]): void {
  const sub = p.command('subscription').alias('sub').description('webhook subscriptions: push matching Events and run statuses to a URL');
  const client = (s: Settings) => new EventsClient({ server: s.server, token: s.token });

  sub
    .command('create')
    .description('subscribe a URL (it must pass the CloudEvents webhook handshake); prints the id and, once, the signing secret')
    .requiredOption('--url <url>', 'the receiver, http(s)://…')
    .option('--filter <cel>', 'a CEL filter over one change (default: every change)')
    .option('--namespaces <list>', 'comma-separated namespaces; -n NS (repeatable) works too; default: every namespace')
    .option('--kinds <list>', `comma-separated: ${KINDS.join(', ')} (default: both)`)
    .option('--secret <whsec>', 'the signing secret, whsec_<base64> (default: the server generates one)')
    .action(
      run(async (s, o, ...args) => {
        const opts = args[0] as { url: string; filter?: string; namespaces?: string; kinds?: string; secret?: string };
        const namespaces = [...new Set([...namespacesSeen(), ...(opts.namespaces !== undefined ? list(opts.namespaces) : [])])];
        if (opts.namespaces !== undefined && namespaces.length === 0) throw new UsageError('--namespaces is empty; leave it out to cover every namespace');
        const created = await client(s).createSubscription({
          url: opts.url,
          filter: opts.filter,
          namespaces: namespaces.length > 0 ? namespaces : undefined,
          kinds: opts.kinds !== undefined ? kindsOf(opts.kinds) : undefined,
          secret: opts.secret,
        });
        io.stderr.write('tkn-events: warning: store the secret now: it is shown only this once and cannot be read back\n');
        if (o.output !== 'table') return void io.stdout.write(serialize(created, o.output) + '\n');
        io.stdout.write(`id: ${created.id}\nsecret: ${created.secret}\n`);
      }),
    );

  sub
    .command('list')
    .alias('ls')
    .description('the subscriptions this token may see')
    .action(
      run(async (s, o) => {
        const c = client(s);
        const subs: Subscription[] = [];
        let token: string | undefined;
        for (let i = 0; i < MAX_PAGES; i++) {
          const page = await c.listSubscriptions({ pageSize: 1000, pageToken: token });
          subs.push(...page.subscriptions);
          token = page.next_page_token;
          if (!token) break;
        }
        if (o.output !== 'table') return void io.stdout.write(serialize(subs, o.output) + '\n');
        const columns = io.stdout.isTTY ? (io.stdout.columns ?? 120) : 0;
        io.stdout.write(renderSubscriptions(subs, styleFor(io.stdout, io.env, o.color), columns) + '\n');
      }),
    );

  sub
    .command('delete')
    .alias('rm')
    .description('delete a subscription')
    .argument('<id>', 'subscription id')
    .action(
      run(async (s, _o, ...args) => {
        const id = args[0] as string;
        await client(s).deleteSubscription(id);
        io.stdout.write(`deleted subscription ${id}\n`);
      }),
    );
}
