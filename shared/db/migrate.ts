/**
 * Forward-only migrations: `sql/NNNNNN.sql`, each applied in its own transaction and recorded
 * in `schema_migrations`. Concurrent runners (several function instances starting at once)
 * serialise on an advisory lock, so each file runs exactly once.
 */
import { readdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { checkout } from './pool.js';
import { logger } from '../log.js';

/** Arbitrary constant: the advisory lock key all migration runners agree on. */
const MIGRATION_LOCK_KEY = 7_155_001;

/** `sql/` beside the sources, also when running from `dist/` after a build. */
export function sqlDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'sql');
    if (existsSync(path.join(candidate, '000001.sql'))) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error('cannot find the sql/ migrations directory');
}

export interface Migration {
  version: number;
  file: string;
  sql: string;
}

export async function loadMigrations(dir = sqlDir()): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{6}\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (file) => ({ version: Number(file.slice(0, 6)), file, sql: await readFile(path.join(dir, file), 'utf8') })),
  );
}

/** Versions recorded as applied; empty when the database was never migrated. */
export async function appliedVersions(client: pg.ClientBase): Promise<number[]> {
  const { rows } = await client.query<{ version: number }>({
    text: `select version from schema_migrations order by version`,
  }).catch((err: { code?: string }) => {
    if (err.code === '42P01') return { rows: [] as { version: number }[] }; // undefined_table
    throw err;
  });
  return rows.map((r) => r.version);
}

/** Applies every pending migration; returns the versions it applied. */
export async function migrate(pool: pg.Pool, dir = sqlDir()): Promise<number[]> {
  const migrations = await loadMigrations(dir);
  const applied: number[] = [];
  await checkout(pool, async (client) => {
    try {
      await client.query({ text: 'select pg_advisory_lock($1)', values: [MIGRATION_LOCK_KEY] });
      await client.query(`create table if not exists schema_migrations (
        version integer primary key,
        file text not null,
        applied_at timestamptz not null default now()
      )`);
      const done = new Set(await appliedVersions(client));
      for (const m of migrations) {
        if (done.has(m.version)) continue;
        await client.query('begin');
        try {
          await client.query(m.sql);
          await client.query({ text: 'insert into schema_migrations (version, file) values ($1, $2)', values: [m.version, m.file] });
          await client.query('commit');
        } catch (err) {
          await client.query('rollback');
          throw new Error(`migration ${m.file} failed: ${(err as Error).message}`, { cause: err });
        }
        applied.push(m.version);
        logger.info({ migration: m.file }, 'applied migration');
      }
    } finally {
      await client.query({ text: 'select pg_advisory_unlock($1)', values: [MIGRATION_LOCK_KEY] }).catch(() => undefined);
    }
  });
  return applied;
}
