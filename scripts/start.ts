/**
 * `npm start`: the whole system on this machine. A real Postgres (embedded, data under ./.data,
 * unless DATABASE_URL is set), migrations, every function on one port, and data to look at:
 * the forwarder against the current kubeconfig context when a cluster answers, otherwise a
 * recorded failed PipelineRun.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { loadConfig, type Config } from '../shared/config.js';
import { createPool } from '../shared/db/pool.js';
import { migrate } from '../shared/db/migrate.js';
import { startEmbeddedPostgres, type EmbeddedServer } from '../shared/db/embedded.js';
import { logger } from '../shared/log.js';
import { buildFunctions } from '../functions/runtime.js';
import { listen, routeAll } from '../functions/server.js';
import { sampleBatches, SAMPLE } from '../sample/failedPipelineRun.js';
import { VersionApi, type KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig } from '../shared/kubeConfig.js';
import { loadForwarderConfig } from '../forwarder/config.js';
import { ingestTokens } from '../functions/ingest/token.js';
import { startForwarder, type Forwarder } from '../forwarder/start.js';

const DATA_DIR = path.resolve(process.env['TEKTON_EVENTS_DATA'] ?? '.data');

/**
 * The local tokens. Generated once and kept with the local data, so a restart keeps working
 * URLs, unless configured: INGEST_TOKEN or INGEST_TOKEN_FILE; QUERY_TOKEN, or no generated
 * query token at all when QUERY_TOKENS_FILE or QUERY_AUTH_MODE=kubernetes decide who reads.
 */
async function localTokens(config: Config): Promise<{ ingest: string; query: string | undefined }> {
  const file = path.join(DATA_DIR, 'tokens.json');
  let saved: { ingest?: string; query?: string } = {};
  if (existsSync(file)) saved = JSON.parse(await readFile(file, 'utf8')) as typeof saved;
  saved.ingest ??= `ing_${randomBytes(18).toString('base64url')}`;
  saved.query ??= `qry_${randomBytes(18).toString('base64url')}`;
  await mkdir(DATA_DIR, { recursive: true });
  await writeFile(file, JSON.stringify(saved, null, 2), { mode: 0o600 });
  const queryDecidedElsewhere = config.QUERY_AUTH_MODE === 'kubernetes' || config.QUERY_TOKENS_FILE !== undefined;
  return {
    ingest: config.INGEST_TOKEN !== undefined || config.INGEST_TOKEN_FILE !== undefined ? ingestTokens(config)[0]! : saved.ingest,
    query: config.QUERY_TOKEN ?? (queryDecidedElsewhere ? undefined : saved.query),
  };
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

/** The current kubeconfig context, if its API server answers within a few seconds. */
async function reachableCluster(): Promise<{ kc: KubeConfig; server: string } | undefined> {
  let kc: KubeConfig;
  try {
    kc = loadKubeConfig();
  } catch {
    return undefined;
  }
  const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 3_000).unref());
  const probe = kc
    .makeApiClient(VersionApi)
    .getCode()
    .then(() => ({ kc, server: kc.getCurrentCluster()!.server }))
    .catch(() => undefined);
  return Promise.race([probe, timeout]);
}

async function main(): Promise<void> {
  let config = loadConfig();
  let embedded: EmbeddedServer | undefined;
  if (!config.DATABASE_URL) {
    embedded = await startEmbeddedPostgres({ dataDir: path.join(DATA_DIR, 'pg'), persistent: true });
    config = { ...config, DATABASE_URL: embedded.socketUrl };
  }
  const pool = createPool(config.DATABASE_URL!, config.PG_POOL_MAX);
  await migrate(pool);
  const tokens = await localTokens(config);
  if (config.INGEST_TOKEN_FILE === undefined) config = { ...config, INGEST_TOKEN: tokens.ingest };
  config = { ...config, QUERY_TOKEN: tokens.query };
  const fns = await buildFunctions(config, pool);
  const listening = await listen(routeAll(fns), config.MAX_BODY_BYTES, config.PORT);
  const { url } = listening;

  // A reachable cluster gets the forwarder (storing on: this is a local trial); otherwise the sample.
  const cluster = await reachableCluster();
  let forwarder: Forwarder | undefined;
  if (cluster) {
    const fwdConfig = loadForwarderConfig(['--store-events=true', `--sink=${url}/ingest`, `--sink-token=${tokens.ingest}`, '--port=0'], process.env);
    forwarder = startForwarder(fwdConfig, { kubeConfig: cluster.kc });
  } else if (config.LOAD_SAMPLE) {
    await loadSample(url, tokens.ingest);
  }

  const api = `${url}/apis/results.tekton.dev/v1alpha2/parents`;
  const queryToken =
    tokens.query ?? (config.QUERY_AUTH_MODE === 'kubernetes' ? '<your Kubernetes token>' : '<a token from QUERY_TOKENS_FILE>');
  const lines = [
    '',
    'tekton-events is running',
    `  database     ${embedded ? `embedded Postgres, data in ${path.relative(process.cwd(), embedded.dataDir) || embedded.dataDir}` : 'DATABASE_URL'}`,
    `  ingest       POST ${url}/ingest        token: ${tokens.ingest}`,
    `  query API    ${api}        token: ${queryToken}`,
    `  health       ${url}/healthz`,
    `  pages        ${url}/ui        (sign in with the query token)`,
    cluster
      ? `  forwarder    watching ${cluster.server} (the current kubeconfig context), storing its Tekton Events`
      : config.LOAD_SAMPLE
        ? `  sample       no cluster answered; ${SAMPLE.namespace}/${SAMPLE.pipelineRun.name} (a recorded failed PipelineRun) is loaded`
        : '',
    '',
    'Try:',
    `  curl -s -H 'Authorization: Bearer ${queryToken}' ${api}/${cluster ? '-' : SAMPLE.namespace}/results`,
    `  curl -s -H 'Authorization: Bearer ${queryToken}' ${api}/-/results/-/records`,
    '',
    `Ctrl-C stops it; the data stays in ${path.relative(process.cwd(), DATA_DIR) || DATA_DIR}/ for next time.`,
    '',
  ];
  process.stdout.write(lines.filter((l, i, a) => l !== '' || a[i - 1] !== '').join('\n') + '\n');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    await forwarder?.shutdown();
    // Requests in flight are answered (after their commit) before Postgres goes away.
    await listening.close();
    await pool.end();
    await embedded?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  logger.fatal({ err }, 'start failed');
  process.stderr.write(`start failed: ${(err as Error).message}\n`);
  process.exit(1);
});
