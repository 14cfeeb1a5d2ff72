/** What every benchmark shares: a real Postgres database, a timer, and a table printer. */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { startThrowawayPostgres } from '../shared/db/embedded.js';
import { createPool } from '../shared/db/pool.js';
import { migrate } from '../shared/db/migrate.js';

export interface Row {
  benchmark: string;
  figure: string;
  target?: string;
  met?: boolean;
}

export interface BenchDb {
  url: string;
  pool: pg.Pool;
  /** Another fresh migrated database on the same server, closed with this one. */
  another(poolMax?: number): Promise<BenchDb>;
  /**
   * CPU-seconds the embedded server has used so far: the postmaster, its live children
   * (backends, WAL writer, autovacuum…) and the children that have exited; undefined on
   * DATABASE_URL's server or off Linux.
   */
  postgresCpu(): number | undefined;
  close(): Promise<void>;
}

/** /proc/<pid>/stat after the command name, split: [1] parent, [11..14] utime, stime, cutime, cstime (ticks). */
function statFields(pid: string | number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  } catch {
    return undefined; // gone meanwhile
  }
}

/**
 * The postmaster's own and its reaped children's CPU time, plus its live children's: a
 * backend that exits mid-round moves from the second sum to the first, so it is never lost.
 */
function postgresCpu(dataDir: string): number | undefined {
  let postmaster: number;
  try {
    postmaster = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n', 1)[0]);
  } catch {
    return undefined;
  }
  const own = statFields(postmaster);
  if (!own) return undefined;
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const f = statFields(pid);
    if (f && Number(f[1]) === postmaster) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks / 100;
}

/** A fresh migrated database on the embedded Postgres, over its Unix socket (or on DATABASE_URL's server). */
export async function benchDatabase(poolMax = 20): Promise<BenchDb> {
  let base = process.env['DATABASE_URL'];
  let stop = async (): Promise<void> => undefined;
  let dataDir: string | undefined;
  if (!base) {
    const server = await startThrowawayPostgres('tekton-events-bench-');
    dataDir = server.dataDir;
    // The Unix socket, as `npm start` connects: loopback TCP costs the client more CPU per byte.
    base = server.socketUrl;
    stop = () => server.stop();
  }
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  // Postgres going away (the bench failed, and the process exits) would otherwise be an
  // unhandled 'error' that hides the failure itself.
  admin.on('error', (err) => process.stderr.write(`bench database connection: ${err.message}\n`));
  const others: BenchDb[] = [];
  const create = async (max: number, last: () => Promise<void>): Promise<BenchDb> => {
    const name = `bench_${randomBytes(4).toString('hex')}`;
    await admin.query(`create database ${name}`); // generated name, never input
    const u = new URL(base);
    u.pathname = `/${name}`;
    const pool = createPool(u.toString(), max);
    await migrate(pool);
    return {
      url: u.toString(),
      pool,
      postgresCpu: () => (dataDir === undefined ? undefined : postgresCpu(dataDir)),
      async another(m = poolMax) {
        const db = await create(m, async () => undefined);
        others.push(db);
        return db;
      },
      async close() {
        await pool.end();
        await admin.query(`drop database ${name} with (force)`);
        await last();
      },
    };
  };
  return create(poolMax, async () => {
    for (const db of others.splice(0)) await db.close();
    await admin.end();
    await stop();
  });
}

/** Runs `total` jobs on `concurrency` workers; returns the seconds it took. */
export async function timed(total: number, concurrency: number, job: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < total; i = next++) await job(i);
    }),
  );
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export function printTable(title: string, rows: Row[]): void {
  const cols = ['benchmark', 'figure', 'target', 'met'] as const;
  const cells = rows.map((r) => [r.benchmark, r.figure, r.target ?? '', r.met === undefined ? '' : r.met ? 'yes' : 'NO']);
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (vals: readonly string[]) => `| ${vals.map((v, i) => v.padEnd(widths[i]!)).join(' | ')} |`;
  process.stdout.write(`\n${title}\n${line(cols)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n${cells.map(line).join('\n')}\n`);
}

export const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
