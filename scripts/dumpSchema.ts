/**
 * `npm run schema:dump`: migrates a throwaway database on the embedded Postgres (or DATABASE_URL)
 * and writes its description to test/schema.txt. Run it after adding a migration, and commit
 * the result: the schema test fails while the two differ.
 */
import { writeFile } from 'node:fs/promises';
import pg from 'pg';
import { startThrowawayPostgres } from '../shared/db/embedded.js';
import { createPool } from '../shared/db/pool.js';
import { migrate } from '../shared/db/migrate.js';
import { describeSchema } from '../shared/db/describeSchema.js';

let url = process.env['DATABASE_URL'];
let stop = async () => undefined as void;
if (!url) {
  const server = await startThrowawayPostgres('tekton-events-schema-');
  url = server.url;
  stop = () => server.stop();
}
const admin = new pg.Client({ connectionString: url });
await admin.connect();
await admin.query('drop database if exists schema_dump with (force)');
await admin.query('create database schema_dump');
const target = new URL(url);
target.pathname = '/schema_dump';
const pool = createPool(target.toString(), 2);
await migrate(pool);
await writeFile('test/schema.txt', await describeSchema(pool));
await pool.end();
await admin.query('drop database schema_dump with (force)');
await admin.end();
await stop();
process.stdout.write('wrote test/schema.txt\n');
