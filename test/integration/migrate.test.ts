import { readFile, mkdtemp, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { createPool } from '../../shared/db/pool.js';
import { migrate, loadMigrations, sqlDir, appliedVersions } from '../../shared/db/migrate.js';
import { describeSchema } from '../../shared/db/describeSchema.js';

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb({ migrate: false });
});
afterAll(async () => {
  await db.drop();
});

describe('migrations', () => {
  it('apply each file exactly once when several runners start at the same time', async () => {
    const pools = Array.from({ length: 5 }, () => createPool(db.url, 2));
    try {
      const applied = await Promise.all(pools.map((p) => migrate(p)));
      const all = (await loadMigrations()).map((m) => m.version);
      expect(applied.flat().sort((a, b) => a - b)).toEqual(all);
      const client = await db.pool.connect();
      try {
        expect(await appliedVersions(client)).toEqual(all);
      } finally {
        client.release();
      }
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it('apply nothing the second time', async () => {
    expect(await migrate(db.pool)).toEqual([]);
  });

  it('leave the schema exactly as the committed snapshot test/schema.txt (npm run schema:dump)', async () => {
    const snapshot = await readFile(path.join(sqlDir(), '..', 'test', 'schema.txt'), 'utf8');
    expect(await describeSchema(db.pool)).toBe(snapshot);
  });

  it('roll back a failing migration whole and record nothing of it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'migrations-'));
    for (const m of await loadMigrations()) await copyFile(path.join(sqlDir(), m.file), path.join(dir, m.file));
    await writeFile(path.join(dir, '999999.sql'), 'create table half_done (id int); select 1/0;');
    await expect(migrate(db.pool, dir)).rejects.toThrow(/999999\.sql failed: division by zero/);
    const { rows } = await db.pool.query(`select to_regclass('half_done') as t, (select count(*)::int from schema_migrations where version = 999999) as n`);
    expect(rows[0]).toEqual({ t: null, n: 0 });
  });
});
