/**
 * The deployable functions, one per service: what functions/index.ts registers with
 * functions-framework (Cloud Functions) and what functions/serve.ts serves on its own (the
 * functions image, on Knative or Kubernetes). Each is built on its first request (serverless
 * platforms load the module before the environment is final), connects only with its own
 * role's pool, and also answers `GET /healthz` (alive) and `GET /readyz` (the database answers):
 * on Knative each function is its own service, probed there.
 */
import type pg from 'pg';
import type { Config } from '../shared/config.js';
import type { Handler } from '../shared/http/core.js';
import { buildCleanup, buildIngest, buildQuery, buildSubscriptions, buildTimeline, buildUi, lazy, poolFor, type PoolRole } from './runtime.js';
import { buildDispatch } from './dispatch/build.js';
import { createHealthHandler } from './health.js';

export const TARGETS = ['ingest', 'query', 'healthz', 'cleanup', 'timeline', 'ui', 'subscriptions', 'dispatch'] as const;
export type Target = (typeof TARGETS)[number];

export function isTarget(name: string): name is Target {
  return (TARGETS as readonly string[]).includes(name);
}

/** The pools of one process, each made on first use: a process serving one target needs only that role's. */
export class TargetPools {
  private readonly pools = new Map<PoolRole, pg.Pool>();

  constructor(private readonly config: Config) {}

  of(role: PoolRole): pg.Pool {
    let pool = this.pools.get(role);
    if (!pool) this.pools.set(role, (pool = poolFor(this.config, role)));
    return pool;
  }

  async end(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.end()));
    this.pools.clear();
  }
}

/** Every target, built lazily over `pools`. */
export function targetHandlers(config: Config, pools: TargetPools): Record<Target, Handler> {
  const health = lazy(async () => createHealthHandler(pools.of('ready'), config.READY_TIMEOUT_MS));
  const withHealthz =
    (handler: Handler): Handler =>
    async (req) =>
      (req.path === '/healthz' || req.path === '/readyz') && (req.method === 'GET' || req.method === 'HEAD') ? health(req) : handler(req);
  return {
    ingest: withHealthz(lazy(async () => buildIngest(config, pools.of('ingest')))),
    query: withHealthz(lazy(async () => buildQuery(config, pools.of('query')))),
    healthz: health,
    cleanup: withHealthz(lazy(async () => buildCleanup(config, pools.of('cleanup')))),
    timeline: withHealthz(lazy(async () => buildTimeline(config, pools.of('query')))),
    ui: withHealthz(lazy(async () => buildUi(config, pools.of('query')))),
    subscriptions: withHealthz(lazy(async () => buildSubscriptions(config, pools.of('query')))),
    /** Driven by a scheduler: POST /dispatch runs one bounded round (a long-running host runs functions/dispatch/main.ts instead). */
    dispatch: withHealthz(lazy(async () => buildDispatch(config, pools.of('dispatch')).handler)),
  };
}

const EXPECTED = `expected --target=<${TARGETS.join('|')}> (or FUNCTION_TARGET)`;

/** A command line that names no target, or one that does not exist: said in one line, exit 2. */
export class TargetUsageError extends Error {}

/** The target named by `--target=NAME`, `--target NAME` or FUNCTION_TARGET. */
export function targetFromArgs(argv: readonly string[], env: NodeJS.ProcessEnv): Target {
  let name = env['FUNCTION_TARGET'];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith('--target=')) name = arg.slice('--target='.length);
    else if (arg === '--target') name = argv[++i];
    // functions-framework's flag, kept by manifests written for it: this server speaks only http.
    else if (arg === '--signature-type=http') continue;
    else throw new TargetUsageError(`unknown argument "${arg}": ${EXPECTED}`);
  }
  if (name === undefined || name === '') throw new TargetUsageError(`no target given: ${EXPECTED}`);
  if (!isTarget(name)) throw new TargetUsageError(`unknown target "${name}": ${EXPECTED}`);
  return name;
}

/**
 * How long a stopping server waits for its requests: the longest one of the target may run, and
 * a margin for its answer. A request's own timeouts bound only its arrival, not its handler.
 */
export function shutdownGraceMs(target: Target, config: Config): number {
  const longest =
    target === 'cleanup'
      ? config.CLEANUP_TIME_BUDGET_SECONDS * 1000
      : target === 'dispatch'
        ? config.DISPATCH_TIME_BUDGET_SECONDS * 1000
        : Math.max(config.HTTP_REQUEST_TIMEOUT_MS, config.QUERY_TIMEOUT_MS);
  return longest + 5_000;
}
