/**
 * One real Postgres for the whole run: the embedded server in a throwaway directory, or
 * DATABASE_URL when set. Each test file then gets a database of its own (see db.ts).
 */
import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../shared/db/embedded.js';

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env['DATABASE_URL'];
  if (given) {
    project.provide('adminDatabaseUrl', given);
    return async () => undefined;
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'tekton-events-test-'));
  // mkdtemp makes it 0700; as root, Postgres runs as the `postgres` user and must enter it.
  await chmod(dir, 0o755);
  const server = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), persistent: false });
  project.provide('adminDatabaseUrl', server.url);
  return () => server.stop();
}
