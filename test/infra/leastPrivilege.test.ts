/**
 * What `infra apply` takes away from everyone, with real logins: PUBLIC's CONNECT and TEMPORARY
 * on the database, the managed roles' way into the maintenance database, temporary tables and
 * functions; and a role that lifts its own statement timeout is drift `infra plan` reports and
 * `apply` undoes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { roleUrl, type InfraConfig } from '../../infra/config.js';
import { apply, planChanges } from '../../infra/commands.js';
import { maintenanceDatabase } from '../../infra/inspect.js';
import { asSuperuser, destroyAll, infraConfig } from './helpers.js';

let config: InfraConfig;
const stranger = { name: '', password: 'stranger-password-0123456789' };

/** The SQLSTATE connecting (and running `sql`) as `role` on `database` ends in; undefined when it works. */
async function attempt(role: { name: string; password: string }, database: string, sql = 'select 1'): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: roleUrl(config.adminUrl, database, role) });
  try {
    await client.connect();
    await client.query(sql);
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code ?? (err as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const lines = async () => (await planChanges(config)).changes.map((c) => `${c.op} ${c.what}`);

beforeAll(async () => {
  config = await infraConfig();
  stranger.name = `${config.roles.admin.name.replace(/_admin$/, '')}_stranger`;
  await asSuperuser((c) => c.query(`create role ${stranger.name} login password '${stranger.password}'`));
  await apply(config);
});

afterAll(async () => {
  await destroyAll(config);
  await asSuperuser((c) => c.query(`drop role if exists ${stranger.name}`));
});

describe('least privilege after infra apply', () => {
  it('lets no other role connect to the database (PUBLIC has lost CONNECT)', async () => {
    expect(await attempt(stranger, config.database)).toBe('42501');
    expect(await attempt(config.roles.query, config.database)).toBeUndefined();
  });

  it('lets the managed roles create no temporary tables or functions, and no functions in public', async () => {
    for (const role of [config.roles.ingest, config.roles.query]) {
      expect(await attempt(role, config.database, 'create temporary table scratch (x int)')).toBe('42501');
      expect(await attempt(role, config.database, `create function pg_temp.f() returns int language sql as 'select 1'`)).toBe('42501');
      expect(await attempt(role, config.database, `create function public.f() returns int language sql as 'select 1'`)).toBe('42501');
    }
  });

  it('keeps the managed roles out of the maintenance database', async () => {
    const maintenance = maintenanceDatabase(config.adminUrl);
    for (const role of [config.roles.ingest, config.roles.query]) expect(await attempt(role, maintenance)).toBe('42501');
  });

  it('reports a role that lifted its own statement timeout, and apply sets it back', async () => {
    const { query, ingest } = config.roles;
    expect(await lines()).toEqual([]);
    expect(await attempt(query, config.database, 'alter role current_user set statement_timeout = 0')).toBeUndefined();
    expect(await attempt(ingest, config.database, `alter role current_user in database ${config.database} set statement_timeout = 0`)).toBeUndefined();
    const plan = await lines();
    expect(plan).toEqual(
      expect.arrayContaining([
        `~ role ${query.name} settings (idle_in_transaction_session_timeout=60s, statement_timeout=0 → idle_in_transaction_session_timeout=60s, statement_timeout=5s)`,
        `~ role ${ingest.name} settings (idle_in_transaction_session_timeout=60s, in ${config.database}: statement_timeout=0, statement_timeout=10s → idle_in_transaction_session_timeout=60s, statement_timeout=10s)`,
      ]),
    );
    await apply(config);
    expect(await lines()).toEqual([]);
    const shown = async (role: { name: string; password: string }) => {
      const client = new pg.Client({ connectionString: roleUrl(config.adminUrl, config.database, role) });
      await client.connect();
      try {
        return (await client.query<{ statement_timeout: string }>('show statement_timeout')).rows[0]!.statement_timeout;
      } finally {
        await client.end();
      }
    };
    expect(await shown(query)).toBe('5s');
    expect(await shown(ingest)).toBe('10s');
  });
});
