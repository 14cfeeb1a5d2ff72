/** A declared state with names of its own (roles are cluster-wide), on the test run's Postgres. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { adminUrl } from '../helpers/db.js';
import { loadInfraConfig, type InfraConfig } from '../../infra/config.js';
import { planDestroy, runPlan } from '../../infra/commands.js';

export function infraEnv(over: Record<string, string> = {}): Record<string, string> {
  const id = randomBytes(4).toString('hex');
  return {
    ADMIN_DATABASE_URL: adminUrl(),
    INFRA_DATABASE: `infra_${id}`,
    INFRA_ROLE_PREFIX: `t${id}`,
    INGEST_DB_PASSWORD: `ingest-${id}-0123456789`,
    QUERY_DB_PASSWORD: `query-${id}-0123456789`,
    ADMIN_DB_PASSWORD: `admin-${id}-0123456789`,
    ...over,
  };
}

export async function infraConfig(over: Record<string, string> = {}): Promise<InfraConfig> {
  return loadInfraConfig(infraEnv(over));
}

/** Runs SQL as the test cluster's superuser, on `database` (default: the maintenance one). */
export async function asSuperuser<T>(fn: (c: pg.Client) => Promise<T>, database?: string): Promise<T> {
  const url = new URL(adminUrl());
  if (database) url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function destroyAll(config: InfraConfig): Promise<void> {
  await runPlan(config, await planDestroy(config));
}
