/**
 * One real Postgres for the whole run: the embedded server in a throwaway directory, or
 * DATABASE_URL when set. Each test file then gets a database of its own (see db.ts).
 */
import type { TestProject } from 'vitest/node';
import { startThrowawayPostgres } from '../../shared/db/embedded.js';

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
  const server = await startThrowawayPostgres('tekton-events-test-');
  project.provide('adminDatabaseUrl', server.url);
  return () => server.stop();
}
