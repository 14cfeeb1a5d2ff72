/**
 * `npm run infra` against the real Postgres: plan changes nothing, apply converges and is
 * idempotent, drift is found and undone, destroy asks first.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/config.js';
import { loadInfraConfig, type InfraConfig } from '../../infra/config.js';
import { apply, formatPlan, planChanges, planDestroy, runPlan } from '../../infra/commands.js';
import { createTestDb } from '../helpers/db.js';
import { loadMigrations } from '../../shared/db/migrate.js';
import { asSuperuser, destroyAll, infraConfig, infraEnv } from './helpers.js';

const lines = async (config: InfraConfig) => (await planChanges(config)).changes.map((c) => `${c.op} ${c.what}`);

async function roleNames(prefix: string): Promise<string[]> {
  return asSuperuser(async (c) => (await c.query<{ rolname: string }>({ text: 'select rolname from pg_roles where rolname like $1 order by 1', values: [`${prefix}_%`] })).rows.map((r) => r.rolname));
}

async function databaseExists(name: string): Promise<boolean> {
  return asSuperuser(async (c) => (await c.query({ text: 'select 1 from pg_database where datname = $1', values: [name] })).rowCount === 1);
}

describe('infra plan / apply / destroy', () => {
  const cleanups: InfraConfig[] = [];
  afterAll(async () => {
    for (const c of cleanups) await destroyAll(c);
  });

  it('plans roles, database, migrations, grants and the retention setting on an empty cluster, and changes nothing', async () => {
    const config = await infraConfig();
    const { roles, database } = config;
    const plan = await lines(config);
    expect(plan).toEqual(
      expect.arrayContaining([
        `+ role ${roles.ingest.name} (ingest; LOGIN, password set)`,
        `+ role ${roles.query.name} (query; LOGIN, password set)`,
        `+ role ${roles.admin.name} (admin; LOGIN, password set)`,
        `+ database ${database} (owner ${roles.admin.name})`,
        `+ grant SELECT, INSERT, UPDATE on record_events to ${roles.ingest.name}`,
        `+ grant SELECT, DELETE on results to ${roles.query.name}`,
        `+ grant SELECT on settings to ${roles.query.name}`,
        '+ setting retention_days = 30',
      ]),
    );
    const latest = (await loadMigrations()).at(-1)!.version;
    expect(plan.some((l) => l.startsWith(`+ schema version 0 → ${latest} (migrations 000001.sql`))).toBe(true);
    // Adds only, but for what a new database gives every role (PUBLIC) by default.
    expect(plan.filter((l) => !l.startsWith('+ '))).toEqual(expect.arrayContaining([`- revoke CONNECT, TEMPORARY on database ${database} from PUBLIC`]));
    expect(plan.filter((l) => !l.startsWith('+ ')).every((l) => /^- revoke .* from PUBLIC/.test(l))).toBe(true);
    expect(formatPlan(await planChanges(config))).toMatch(/Plan: \d+ to add, 0 to change, \d+ to destroy\./);
    expect(await roleNames(config.roles.admin.name.replace(/_admin$/, ''))).toEqual([]);
    expect(await databaseExists(database)).toBe(false);
  });

  it('applies the plan, and a second plan finds nothing to do', async () => {
    const config = await infraConfig();
    cleanups.push(config);
    const applied = await apply(config);
    expect(applied.changes.length).toBeGreaterThan(10);
    expect(await lines(config)).toEqual([]);
    expect(formatPlan(await planChanges(config))).toBe('No changes: the database matches the declared state.\n');
    expect((await apply(config)).changes).toEqual([]);
    const owners = await asSuperuser(
      async (c) => (await c.query<{ owner: string }>(`select distinct pg_get_userbyid(relowner) as owner from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r'`)).rows,
      config.database,
    );
    expect(owners).toEqual([{ owner: config.roles.admin.name }]);
    const setting = await asSuperuser(async (c) => (await c.query(`select value from settings where key = 'retention_days'`)).rows, config.database);
    expect(setting).toEqual([{ value: '30' }]);
  });

  it('finds drift — an extra grant, a changed password, a lost login, another retention — and apply undoes it', async () => {
    const config = await infraConfig();
    cleanups.push(config);
    await apply(config);
    const { ingest, query } = config.roles;
    await asSuperuser(async (c) => {
      await c.query(`grant delete, truncate on results to ${ingest.name}`);
      await c.query(`grant insert on settings to ${query.name}`);
      await c.query(`revoke update on records from ${ingest.name}`);
    }, config.database);
    await asSuperuser(async (c) => {
      await c.query(`alter role ${query.name} password 'something-else-entirely'`);
      await c.query(`alter role ${ingest.name} nologin`);
    });
    const changed = await infraConfig({ ...envOf(config), RETENTION_DAYS: '7' });
    const plan = await lines(changed);
    expect(plan).toEqual(
      expect.arrayContaining([
        `~ role ${query.name} (password: the declared one does not log in)`,
        `~ role ${ingest.name} (LOGIN: false → true; password: the declared one does not log in)`,
        `+ grant UPDATE on records to ${ingest.name}`,
        `- revoke DELETE, TRUNCATE on results from ${ingest.name}`,
        `- revoke INSERT on settings from ${query.name}`,
        '~ setting retention_days (30 → 7)',
      ]),
    );
    expect(plan).toHaveLength(6);
    await apply(changed);
    expect(await lines(changed)).toEqual([]);
  });

  it('adopts a database another user migrated: its tables change owner to the admin role', async () => {
    const existing = await createTestDb();
    await existing.pool.end();
    const config = await infraConfig({ INFRA_DATABASE: existing.url.split('/').pop()! });
    cleanups.push(config);
    const plan = await lines(config);
    expect(plan).toContain(`~ database ${config.database} (owner: postgres → ${config.roles.admin.name})`);
    expect(plan).toContain(`~ table results (owner: postgres → ${config.roles.admin.name})`);
    expect(plan.some((l) => l.includes('schema version'))).toBe(false);
    await apply(config);
    expect(await lines(config)).toEqual([]);
  });

  it('works as a non-superuser with CREATEROLE and CREATEDB, as on Cloud SQL, by joining the admin role', async () => {
    const base = infraEnv();
    const operator = `${base.INFRA_ROLE_PREFIX}_operator`;
    const password = 'operator-password-0123456789';
    await asSuperuser(async (c) => {
      await c.query(`create role ${operator} login createrole createdb password '${password}'`);
      // What the admin login has on a managed service (Cloud SQL: through cloudsqlsuperuser), once PUBLIC may not connect.
      await c.query(`grant connect on database postgres to ${operator}`);
    });
    try {
      const url = new URL(base.ADMIN_DATABASE_URL!);
      url.username = operator;
      url.password = password;
      const config = await loadInfraConfig({ ...base, ADMIN_DATABASE_URL: url.toString() });
      const plan = await lines(config);
      expect(plan).toContain(`+ membership of ${operator} in ${config.roles.admin.name} (to create the objects the admin role owns)`);
      await apply(config);
      expect(await lines(config)).toEqual([]);
      const owners = await asSuperuser(
        async (c) => (await c.query<{ owner: string }>(`select distinct pg_get_userbyid(relowner) as owner from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r'`)).rows,
        config.database,
      );
      expect(owners).toEqual([{ owner: config.roles.admin.name }]);
      await destroyAll(config);
      expect(await databaseExists(config.database)).toBe(false);
    } finally {
      await asSuperuser(async (c) => {
        await c.query(`revoke connect on database postgres from ${operator}`);
        await c.query(`drop role if exists ${operator}`);
      });
    }
  });

  it('destroys the database and the roles, and then has nothing left to destroy', async () => {
    const config = await infraConfig();
    await apply(config);
    const plan = await planDestroy(config);
    expect(plan.changes.map((c) => `${c.op} ${c.what}`)).toEqual([
      `- database ${config.database} (and all stored events)`,
      `- role ${config.roles.ingest.name}`,
      `- role ${config.roles.query.name}`,
      `- role ${config.roles.admin.name}`,
    ]);
    await runPlan(config, plan);
    expect(await databaseExists(config.database)).toBe(false);
    expect(await roleNames(config.roles.admin.name.replace(/_admin$/, ''))).toEqual([]);
    expect((await planDestroy(config)).changes).toEqual([]);
  });

  it('refuses to destroy without a terminal and without --yes, and leaves everything in place', async () => {
    const env = infraEnv();
    const config = await loadInfraConfig(env);
    cleanups.push(config);
    await apply(config);
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'infra/cli.ts', 'destroy'], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'], encoding: 'utf8', input: `${config.database}\n` });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('destroy needs confirmation');
    expect(run.stdout).toContain(`- database ${config.database}`);
    expect(await databaseExists(config.database)).toBe(true);
    const planRun = spawnSync(process.execPath, ['--import', 'tsx', 'infra/cli.ts', 'plan', '--detailed-exitcode'], { env: { ...process.env, ...env }, encoding: 'utf8' });
    expect(planRun.stdout).toContain('No changes');
    expect(planRun.status).toBe(0);
  });

  it('refuses role and database names that are not plain identifiers, and short or missing passwords', async () => {
    await expect(infraConfig({ INFRA_ROLE_PREFIX: 'x"; drop role postgres; --' })).rejects.toThrow(ConfigError);
    await expect(infraConfig({ INFRA_DATABASE: 'Tekton-Events' })).rejects.toThrow(/INFRA_DATABASE/);
    await expect(infraConfig({ QUERY_DB_PASSWORD: 'short' })).rejects.toThrow(/QUERY_DB_PASSWORD/);
    const env = infraEnv();
    delete (env as Record<string, string | undefined>)['ADMIN_DB_PASSWORD'];
    await expect(loadInfraConfig(env)).rejects.toThrow(/ADMIN_DB_PASSWORD/);
  });
});

/** The environment a config was loaded from, near enough to load it again with changes. */
function envOf(config: InfraConfig): Record<string, string> {
  return {
    ADMIN_DATABASE_URL: config.adminUrl,
    INFRA_DATABASE: config.database,
    INFRA_ROLE_PREFIX: config.roles.admin.name.replace(/_admin$/, ''),
    INGEST_DB_PASSWORD: config.roles.ingest.password,
    QUERY_DB_PASSWORD: config.roles.query.password,
    ADMIN_DB_PASSWORD: config.roles.admin.password,
  };
}
