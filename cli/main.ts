/**
 * `tkn-events`: why did my run fail? Reads the stored Events of Tekton runs through the API,
 * with the same typed client the tests use. On PATH, the Tekton CLI runs it as `tkn events`.
 *
 *   tkn-events pipelinerun NAME -n NS     the diagnosis headline and the timeline
 *   tkn-events taskrun NAME -n NS
 *   tkn-events list -n NS [--status failed] [--filter CEL]
 *   tkn-events subscription create|list|delete   webhook subscriptions (alias sub)
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { EventsClient, type RunKind } from '../shared/client/index.js';
import { EXIT, failureOf } from './exit.js';
import { renderResults } from './listView.js';
import { FORMATS, serialize, styleFor, type Format } from './output.js';
import { resolveSettings, UsageError, type Settings } from './settings.js';
import { addSubscriptionCommands } from './subscriptionCommands.js';
import { renderTimeline } from './timelineView.js';

interface Io {
  stdout: NodeJS.WriteStream | { write(s: string): boolean; isTTY?: boolean; columns?: number };
  stderr: { write(s: string): boolean };
  env: NodeJS.ProcessEnv;
}

interface GlobalOpts {
  server?: string;
  token?: string;
  namespace?: string;
  output: Format;
  color: boolean;
}

const STATUS: Record<string, string> = {
  failed: 'FAILURE',
  failure: 'FAILURE',
  succeeded: 'SUCCESS',
  success: 'SUCCESS',
  timeout: 'TIMEOUT',
  'timed-out': 'TIMEOUT',
  cancelled: 'CANCELLED',
  canceled: 'CANCELLED',
  unknown: 'UNKNOWN',
};

function positiveInt(max: number) {
  return (v: string): number => {
    if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > max) throw new InvalidArgumentError(`expected a whole number from 1 to ${max}`);
    return Number(v);
  };
}

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

type Runner = (fn: (s: Settings, o: GlobalOpts, ...rest: unknown[]) => Promise<void>) => (...args: unknown[]) => Promise<void>;

function program(io: Io, run: Runner): Command {
  // every -n in order: one namespace for most commands, several for `subscription create`
  const namespacesSeen: string[] = [];
  const p = new Command('tkn-events')
    .description('Why did my Tekton run fail? The stored Kubernetes Events of PipelineRuns and TaskRuns, with a diagnosis.')
    .version(VERSION, '--version', 'print the version')
    .option('--server <url>', 'API server (env TKN_EVENTS_SERVER; default http://127.0.0.1:8080)')
    .option('--token <token>', 'query token (env TKN_EVENTS_TOKEN)')
    .option('-n, --namespace <namespace>', 'namespace (env TKN_EVENTS_NAMESPACE; default: the kubeconfig context\'s, else "default")', (v: string) => {
      namespacesSeen.push(v);
      return v;
    })
    .addOption(new Option('-o, --output <format>', 'output format').choices(FORMATS).default('table'))
    .option('--no-color', 'no colour, even on a terminal (NO_COLOR works too)')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride();

  const timelineCommand = (name: string, alias: string, kind: RunKind) =>
    p
      .command(name)
      .alias(alias)
      .description(`the diagnosis and timeline of the newest ${kind} of that name`)
      .argument('<name>', `${kind} name`)
      .option('--uid <uid>', 'one run of several with that name')
      .option('--max-events <n>', 'at most this many Events', positiveInt(5000))
      .action(
        run(async (s, o, ...args) => {
          const [runName, opts] = args as [string, { uid?: string; maxEvents?: number }];
          const client = new EventsClient({ server: s.server, token: s.token });
          const t = await client.timeline(s.namespace, kind, runName, { uid: opts.uid, maxEvents: opts.maxEvents });
          if (o.output !== 'table') return void io.stdout.write(serialize(t, o.output) + '\n');
          const columns = io.stdout.isTTY ? (io.stdout.columns ?? 120) : 0;
          io.stdout.write(renderTimeline(t, styleFor(io.stdout, io.env, o.color), { columns }) + '\n');
        }),
      );
  timelineCommand('pipelinerun', 'pr', 'PipelineRun');
  timelineCommand('taskrun', 'tr', 'TaskRun');

  p.command('list')
    .alias('ls')
    .description('recent runs of a namespace, newest first')
    .option('-A, --all-namespaces', 'every namespace the token may read')
    .option('--status <status>', `only runs that ended so: ${[...new Set(Object.keys(STATUS))].join(', ')}`)
    .option('--filter <cel>', 'a CEL filter on results, as the Results API takes it')
    .option('--limit <n>', 'at most this many runs (default 50)', positiveInt(1000), 50)
    .action(
      run(async (s, o, ...args) => {
        const opts = args[0] as { allNamespaces?: boolean; status?: string; filter?: string; limit: number };
        const filters: string[] = [];
        if (opts.status !== undefined) {
          const status = STATUS[opts.status.toLowerCase()];
          if (!status) throw new UsageError(`--status "${opts.status}" is not one of ${Object.keys(STATUS).join(', ')}`);
          filters.push(`summary.status == ${status}`);
        }
        if (opts.filter) filters.push(`(${opts.filter})`);
        const client = new EventsClient({ server: s.server, token: s.token });
        const page = await client.listResults(opts.allNamespaces ? '-' : s.namespace, {
          filter: filters.join(' && ') || undefined,
          orderBy: 'create_time desc',
          pageSize: opts.limit,
        });
        if (o.output !== 'table') return void io.stdout.write(serialize(page.results, o.output) + '\n');
        io.stdout.write(renderResults(page.results, styleFor(io.stdout, io.env, o.color), opts.allNamespaces === true) + '\n');
      }),
    );
  addSubscriptionCommands(p, io, run, () => namespacesSeen);
  return p;
}

/** Runs the CLI; resolves with the exit code (also set as process.exitCode by the bin). */
export async function runCli(argv: string[], io: Io): Promise<number> {
  let code: number = EXIT.ok;
  let settings: Settings | undefined;
  const run: Runner =
    (fn) =>
    async (...args) => {
      const cmd = args[args.length - 1] as Command;
      const o = cmd.optsWithGlobals<GlobalOpts>();
      settings = resolveSettings({ server: o.server, token: o.token, namespace: o.namespace }, io.env);
      for (const w of settings.warnings) io.stderr.write(`tkn-events: warning: ${w}\n`);
      await fn(settings, o, ...args.slice(0, -1));
    };
  try {
    await program(io, run).parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version end "with an error" in commander's terms; they are not failures
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const f = failureOf(err, { server: settings?.server ?? '', configFile: settings?.configFile ?? '' });
    io.stderr.write(`tkn-events: ${f.message}\n`);
    code = f.code;
  }
  return code;
}

export async function main(argv: string[]): Promise<void> {
  process.exitCode = await runCli(argv, { stdout: process.stdout, stderr: process.stderr, env: process.env });
}
