/**
 * The forwarder's flags (SPEC §6): each a command-line flag and an environment variable, the
 * flag winning. Parsed with node:util parseArgs, checked once with zod, so a bad value stops the
 * process at start with every problem listed.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { existsSync, readFileSync } from 'node:fs';
import { ConfigError, logLevel } from '../shared/config.js';

const bool = z
  .string()
  .transform((v) => v.toLowerCase())
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no']))
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** `250ms`, `1s`, `1.5s`, `2m`, or a bare number of milliseconds. */
const duration = z
  .string()
  .regex(/^\d+(\.\d+)?(ms|s|m)?$/, 'a duration such as 250ms, 1s or 2m')
  .transform((v) => {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(v)!;
    const n = Number(m[1]);
    return Math.round(m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n);
  });

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** The CloudEvent extension attribute names the spec allows: lower-case letters and digits. */
const EXTENSION_NAME = /^[a-z0-9]{1,20}$/;
const RESERVED = new Set(['specversion', 'type', 'source', 'id', 'subject', 'time', 'datacontenttype', 'dataschema', 'data']);

/** Knative's K_CE_OVERRIDES: `{"extensions": {"name": "value"}}`, added to every CloudEvent. */
const ceOverrides = z
  .string()
  .transform((s, ctx) => {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be JSON such as {"extensions":{"name":"value"}}' });
      return z.NEVER;
    }
  })
  .pipe(
    z.object({
      extensions: z
        .record(z.string(), z.union([z.string(), z.boolean(), z.number().int()]))
        .superRefine((ext, ctx) => {
          for (const k of Object.keys(ext)) {
            if (!EXTENSION_NAME.test(k)) ctx.addIssue({ code: 'custom', message: `"${k}": extension names are 1-20 lower-case letters or digits` });
            else if (RESERVED.has(k)) ctx.addIssue({ code: 'custom', message: `"${k}": a core attribute cannot be overridden` });
          }
        })
        .default({}),
    }),
  )
  .transform((o) => o.extensions);

const namespaces = z
  .string()
  .transform((s) => s.split(',').map((n) => n.trim()).filter((n) => n !== '' && n !== '*'))
  .pipe(z.array(z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'not a namespace name')));

/** flag name → [environment variable, schema, default (as it would be typed)] */
const FIELDS = {
  'store-events': ['STORE_EVENTS', bool, 'false'],
  sink: ['K_SINK', z.url({ protocol: /^https?$/ }), undefined],
  'ce-overrides': ['K_CE_OVERRIDES', ceOverrides, '{}'],
  'sink-token': ['SINK_TOKEN', z.string().min(1), undefined],
  namespaces: ['WATCH_NAMESPACES', namespaces, ''],
  annotate: ['ANNOTATE_RUNS', bool, 'true'],
  'cluster-name': ['CLUSTER_NAME', z.string().regex(/^[A-Za-z0-9._-]{1,63}$/, '1-63 letters, digits, ".", "_" or "-"'), 'default'],
  'batch-size': ['BATCH_SIZE', int(1, 1000), '100'],
  'flush-interval': ['FLUSH_INTERVAL', duration, '200ms'],
  'buffer-size': ['BUFFER_SIZE', int(10, 1_000_000), '2000'],
  'send-concurrency': ['SEND_CONCURRENCY', int(1, 32), '2'],
  'link-wait': ['LINK_WAIT', duration, '30s'],
  'cache-size': ['CACHE_SIZE', int(100, 10_000_000), '10000'],
  'shutdown-timeout': ['SHUTDOWN_TIMEOUT', duration, '25s'],
  'events-api': ['EVENTS_API', z.enum(['events.k8s.io/v1', 'v1']), 'events.k8s.io/v1'],
  kubeconfig: ['KUBECONFIG', z.string().min(1), undefined],
  port: ['FORWARDER_PORT', int(0, 65535), '9090'],
  'log-level': ['LOG_LEVEL', logLevel, 'info'],
  /** `auto`: on in a pod (two replicas, one leader), off elsewhere */
  'leader-elect': ['LEADER_ELECT', z.enum(['auto', 'true', 'false'], { message: 'must be auto, true or false' }), 'auto'],
  'lease-name': ['LEASE_NAME', z.string().regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'not a Lease name'), 'tekton-events-forwarder'],
  'lease-namespace': ['LEASE_NAMESPACE', z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'not a namespace name'), undefined],
  'lease-duration': ['LEASE_DURATION', duration, '15s'],
  'renew-deadline': ['RENEW_DEADLINE', duration, '10s'],
  'retry-period': ['RETRY_PERIOD', duration, '2s'],
} as const;

type Fields = typeof FIELDS;
type Key = keyof Fields;

const ConfigSchema = z.object(
  Object.fromEntries(
    Object.entries(FIELDS).map(([k, [, schema, def]]) => [k, def === undefined ? (schema as z.ZodType).optional() : (schema as z.ZodType<unknown, string>).prefault(def as never)]),
  ) as { [K in Key]: Fields[K][2] extends undefined ? z.ZodOptional<Fields[K][1]> : z.ZodPrefault<Fields[K][1]> },
);

type Parsed = z.infer<typeof ConfigSchema>;

export interface ForwarderConfig {
  storeEvents: boolean;
  sink: string | undefined;
  ceExtensions: Record<string, string | boolean | number>;
  sinkToken: string | undefined;
  /** empty: all namespaces */
  namespaces: string[];
  annotate: boolean;
  clusterName: string;
  batchSize: number;
  flushIntervalMs: number;
  bufferSize: number;
  sendConcurrency: number;
  linkWaitMs: number;
  cacheSize: number;
  shutdownTimeoutMs: number;
  eventsApi: 'events.k8s.io/v1' | 'v1';
  kubeconfig: string | undefined;
  port: number;
  logLevel: string;
  /** undefined: this process forwards alone (leader election off) */
  leaderElection: LeaderElectionConfig | undefined;
}

export interface LeaderElectionConfig {
  leaseName: string;
  leaseNamespace: string;
  /** how long a Lease holds without renewal before a standby may take it */
  leaseDurationMs: number;
  /** a leader that could not renew for this long stops forwarding */
  renewDeadlineMs: number;
  /** how often the leader renews and a standby looks */
  retryPeriodMs: number;
}

const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** The Lease lives in the forwarder's own namespace: the flag, else POD_NAMESPACE, else the pod's service account's. */
function leaseNamespace(flag: string | undefined, env: Record<string, string | undefined>): string | undefined {
  if (flag) return flag;
  if (env['POD_NAMESPACE']) return env['POD_NAMESPACE'];
  if (env['KUBERNETES_SERVICE_HOST'] && existsSync(SERVICE_ACCOUNT_NAMESPACE)) return readFileSync(SERVICE_ACCOUNT_NAMESPACE, 'utf8').trim();
  return undefined;
}

/** Boolean flags may be given bare (`--store-events`), as well as `--store-events=false`. */
const BOOLEAN_FLAGS = new Set(['store-events', 'store_event', 'annotate']);

const isFlagName = (name: string) => name in FIELDS || BOOLEAN_FLAGS.has(name);

/**
 * Go's flag package (the Results watcher's) spells long flags with one dash (`-store_event`,
 * `-sink=…`); parseArgs would read them as bundles of short options. Known names get two.
 */
function doubleDash(a: string): string {
  if (!/^-[a-z]/.test(a)) return a;
  return isFlagName(a.slice(1).split('=')[0]!) ? `-${a}` : a;
}

function normaliseArgs(argv: string[]): string[] {
  const out: string[] = [];
  argv = argv.map(doubleDash);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const name = a.startsWith('--') && !a.includes('=') ? a.slice(2) : undefined;
    const next = argv[i + 1];
    if (name !== undefined && BOOLEAN_FLAGS.has(name) && (next === undefined || next.startsWith('--'))) out.push(`${a}=true`);
    else out.push(a);
  }
  return out;
}

export const USAGE = `npm run forwarder -- [flags]   (every flag also reads its environment variable)\n${Object.entries(FIELDS)
  .map(([flag, [env, , def]]) => `  --${flag.padEnd(18)} ${env.padEnd(18)} default: ${def ?? '(none)'}`)
  .join('\n')}\n  --store_event is an alias of --store-events (the Results watcher's name); one dash (-store_event, -sink=…) works too`;

export function loadForwarderConfig(argv: string[] = process.argv.slice(2), env: Record<string, string | undefined> = process.env): ForwarderConfig {
  let values: Record<string, string | undefined>;
  try {
    const options = Object.fromEntries(Object.keys(FIELDS).map((k) => [k, { type: 'string' as const }]));
    values = parseArgs({ args: normaliseArgs(argv), options: { ...options, store_event: { type: 'string' } }, strict: true, allowPositionals: false })
      .values as Record<string, string | undefined>;
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}\n${USAGE}`);
  }
  if (values['store-events'] === undefined && values['store_event'] !== undefined) values['store-events'] = values['store_event'];
  const picked: Record<string, string> = {};
  for (const [flag, [envName]] of Object.entries(FIELDS)) {
    const v = values[flag] ?? env[envName];
    if (v !== undefined && v !== '') picked[flag] = v;
  }
  const parsed = ConfigSchema.safeParse(picked);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const flag = String(i.path[0]);
      const envName = FIELDS[flag as Key]?.[0];
      return `invalid forwarder configuration: --${flag}${envName ? ` (${envName})` : ''}: ${i.message}`;
    });
    throw new ConfigError(lines.join('\n'));
  }
  const p: Parsed = parsed.data;
  const invalid = (flag: Key, message: string) => new ConfigError(`invalid forwarder configuration: --${flag} (${FIELDS[flag][0]}): ${message}`);
  if (p['store-events'] && p.sink === undefined) throw invalid('sink', 'required when --store-events=true');
  const elect = p['leader-elect'] === 'auto' ? Boolean(env['KUBERNETES_SERVICE_HOST']) : p['leader-elect'] === 'true';
  let leaderElection: LeaderElectionConfig | undefined;
  if (elect) {
    const ns = leaseNamespace(p['lease-namespace'], env);
    if (!ns) throw invalid('lease-namespace', 'required for leader election outside a pod');
    // As client-go checks: the leader gives up before its Lease could expire, and retries within the deadline.
    if (p['renew-deadline'] >= p['lease-duration']) throw invalid('renew-deadline', 'must be shorter than --lease-duration');
    if (p['retry-period'] * 1.2 >= p['renew-deadline']) throw invalid('retry-period', 'must be shorter than --renew-deadline / 1.2');
    leaderElection = { leaseName: p['lease-name'], leaseNamespace: ns, leaseDurationMs: p['lease-duration'], renewDeadlineMs: p['renew-deadline'], retryPeriodMs: p['retry-period'] };
  }
  return {
    storeEvents: p['store-events'],
    sink: p.sink,
    ceExtensions: p['ce-overrides'],
    sinkToken: p['sink-token'],
    namespaces: p.namespaces,
    annotate: p.annotate,
    clusterName: p['cluster-name'],
    batchSize: p['batch-size'],
    flushIntervalMs: p['flush-interval'],
    bufferSize: p['buffer-size'],
    sendConcurrency: p['send-concurrency'],
    linkWaitMs: p['link-wait'],
    cacheSize: p['cache-size'],
    shutdownTimeoutMs: p['shutdown-timeout'],
    eventsApi: p['events-api'],
    kubeconfig: p.kubeconfig,
    port: p.port,
    logLevel: p['log-level'],
    leaderElection,
  };
}
