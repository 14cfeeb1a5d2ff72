/**
 * Reads the live state `plan` compares with the declared one: roles and whether their declared
 * passwords log in, the database and its owner, and inside it table owners, explicit grants to
 * the managed roles, applied migrations and stored settings. Reads only; changes nothing.
 */
import pg from 'pg';
import { appliedVersions } from '../shared/db/migrate.js';
import { roleUrl, onDatabase } from './config.js';
import { SCHEMA, type DesiredState, type Privilege } from './desired.js';

export interface LiveRole {
  name: string;
  attributes: Record<RoleAttribute, boolean>;
  /** whether the declared password logs in */
  passwordWorks: boolean;
  /** ALTER ROLE … SET defaults, for every database and for the managed one (`in <db>: k=v`), sorted */
  settings: string[];
}

/** The role attributes a managed role must have (login) or must not have (all others). */
export const ROLE_ATTRIBUTES = {
  rolcanlogin: 'LOGIN',
  rolsuper: 'SUPERUSER',
  rolcreatedb: 'CREATEDB',
  rolcreaterole: 'CREATEROLE',
  rolreplication: 'REPLICATION',
  rolbypassrls: 'BYPASSRLS',
} as const;
export type RoleAttribute = keyof typeof ROLE_ATTRIBUTES;

export interface LiveState {
  currentUser: string;
  superuser: boolean;
  /** whether the connecting user may act as the admin role (needed to create objects owned by it) */
  memberOfAdmin: boolean;
  roles: Map<string, LiveRole>;
  database: { owner: string; connect: Set<string>; public: Set<string> } | undefined;
  /** what PUBLIC (every role) may do on the maintenance database the admin URL names */
  maintenancePublic: Set<string>;
  /** whether the connecting user may change that database's privileges (superuser or its owner) */
  maintenanceOwned: boolean;
  /** what PUBLIC may do on SCHEMA (CREATE lets every role create functions and tables there) */
  schemaPublic: Set<string>;
  /** table name → owner, in SCHEMA */
  tables: Map<string, string>;
  /** role → table → explicit privileges */
  privileges: Map<string, Map<string, Set<Privilege>>>;
  /** roles with an explicit USAGE on SCHEMA */
  schemaUsage: Set<string>;
  applied: number[];
  settings: Map<string, string>;
}

/** Whether `role` can log in to `database` with `password`: false on any authentication refusal (SQLSTATE 28…). */
async function logsIn(adminUrl: string, database: string, role: { name: string; password: string }): Promise<boolean> {
  const client = new pg.Client({ connectionString: roleUrl(adminUrl, database, role), connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    return true;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('28')) return false;
    // Authenticated, then refused the database (no CONNECT there): the password works.
    if (code === '42501') return true;
    throw err;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function maintenanceDatabase(adminUrl: string): string {
  return decodeURIComponent(new URL(adminUrl).pathname.slice(1)) || 'postgres';
}

async function inspectDatabase(url: string, desired: DesiredState, live: LiveState): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const managed = desired.roles.map((r) => r.name);
    const tables = await client.query<{ relname: string; owner: string }>({
      text: `select c.relname, pg_get_userbyid(c.relowner) as owner
               from pg_class c join pg_namespace n on n.oid = c.relnamespace
              where n.nspname = $1 and c.relkind in ('r', 'p')`,
      values: [SCHEMA],
    });
    for (const t of tables.rows) live.tables.set(t.relname, t.owner);
    const grants = await client.query<{ relname: string; grantee: string; privilege_type: Privilege }>({
      text: `select c.relname, pg_get_userbyid(a.grantee) as grantee, a.privilege_type
               from pg_class c join pg_namespace n on n.oid = c.relnamespace
               cross join lateral aclexplode(c.relacl) a
              where n.nspname = $1 and c.relkind in ('r', 'p') and pg_get_userbyid(a.grantee) = any($2::text[])`,
      values: [SCHEMA, managed],
    });
    for (const g of grants.rows) {
      const byTable = live.privileges.get(g.grantee) ?? new Map<string, Set<Privilege>>();
      live.privileges.set(g.grantee, byTable);
      const set = byTable.get(g.relname) ?? new Set<Privilege>();
      byTable.set(g.relname, set);
      set.add(g.privilege_type);
    }
    const usage = await client.query<{ grantee: string }>({
      text: `select pg_get_userbyid(a.grantee) as grantee
               from pg_namespace n cross join lateral aclexplode(n.nspacl) a
              where n.nspname = $1 and a.privilege_type = 'USAGE'`,
      values: [SCHEMA],
    });
    for (const u of usage.rows) live.schemaUsage.add(u.grantee);
    const schemaPublic = await client.query<{ privilege_type: string }>({
      text: `select a.privilege_type from pg_namespace n cross join lateral aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
              where n.nspname = $1 and a.grantee = 0`,
      values: [SCHEMA],
    });
    for (const r of schemaPublic.rows) live.schemaPublic.add(r.privilege_type);
    live.applied = await appliedVersions(client);
    if (live.tables.has('settings')) {
      const s = await client.query<{ key: string; value: string }>({
        text: 'select key, value from settings where key = any($1::text[])',
        values: [Object.keys(desired.settings)],
      });
      for (const row of s.rows) live.settings.set(row.key, row.value);
    }
  } finally {
    await client.end();
  }
}

export async function inspect(adminUrl: string, desired: DesiredState): Promise<LiveState> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  const live: LiveState = {
    currentUser: '',
    superuser: false,
    memberOfAdmin: false,
    roles: new Map(),
    database: undefined,
    maintenancePublic: new Set(),
    maintenanceOwned: false,
    schemaPublic: new Set(),
    tables: new Map(),
    privileges: new Map(),
    schemaUsage: new Set(),
    applied: [],
    settings: new Map(),
  };
  try {
    const me = await client.query<{ name: string; superuser: boolean }>(
      'select current_user as name, (select rolsuper from pg_roles where rolname = current_user) as superuser',
    );
    live.currentUser = me.rows[0]!.name;
    live.superuser = me.rows[0]!.superuser;
    const roles = await client.query<Record<RoleAttribute, boolean> & { rolname: string }>({
      text: `select rolname, ${Object.keys(ROLE_ATTRIBUTES).join(', ')} from pg_roles where rolname = any($1::text[])`,
      values: [desired.roles.map((r) => r.name)],
    });
    const db = await client.query<{ owner: string }>({
      text: 'select pg_get_userbyid(datdba) as owner from pg_database where datname = $1',
      values: [desired.database],
    });
    const loginDb = db.rows[0] ? desired.database : maintenanceDatabase(adminUrl);
    for (const row of roles.rows) {
      const declared = desired.roles.find((r) => r.name === row.rolname)!;
      const attributes = Object.fromEntries(Object.keys(ROLE_ATTRIBUTES).map((k) => [k, row[k as RoleAttribute]])) as LiveRole['attributes'];
      const passwordWorks = attributes.rolcanlogin ? await logsIn(adminUrl, loginDb, declared) : false;
      const settings = await client.query<{ setting: string }>({
        text: `select case when s.setdatabase = 0 then c else 'in ' || d.datname || ': ' || c end as setting
                 from pg_db_role_setting s cross join lateral unnest(s.setconfig) c
                 left join pg_database d on d.oid = s.setdatabase
                where s.setrole = (select oid from pg_roles where rolname = $1) and (s.setdatabase = 0 or d.datname = $2)
                order by 1`,
        values: [row.rolname, desired.database],
      });
      live.roles.set(row.rolname, { name: row.rolname, attributes, passwordWorks, settings: settings.rows.map((r) => r.setting) });
    }
    const publicOn = async (database: string) =>
      new Set(
        (
          await client.query<{ privilege_type: string }>({
            text: `select a.privilege_type from pg_database d cross join lateral aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
                    where d.datname = $1 and a.grantee = 0`,
            values: [database],
          })
        ).rows.map((r) => r.privilege_type),
      );
    live.maintenancePublic = await publicOn(maintenanceDatabase(adminUrl));
    const owned = await client.query<{ owned: boolean }>({
      text: `select pg_has_role(current_user, datdba, 'USAGE') as owned from pg_database where datname = $1`,
      values: [maintenanceDatabase(adminUrl)],
    });
    live.maintenanceOwned = live.superuser || owned.rows[0]?.owned === true;
    if (live.roles.has(desired.admin)) {
      // Since Postgres 16 a role's creator holds it with ADMIN only (no SET, no INHERIT), which
      // still counts as MEMBER: ask for the two rights apply uses, SET ROLE and inherited ownership.
      const m = await client.query<{ member: boolean }>({
        text: `select case when current_setting('server_version_num')::int >= 160000
                           then pg_has_role(current_user, $1, 'SET') and pg_has_role(current_user, $1, 'USAGE')
                           else pg_has_role(current_user, $1, 'USAGE') end as member`,
        values: [desired.admin],
      });
      live.memberOfAdmin = m.rows[0]!.member;
    }
    if (db.rows[0]) {
      const connect = await client.query<{ grantee: string }>({
        text: `select pg_get_userbyid(a.grantee) as grantee
                 from pg_database d cross join lateral aclexplode(d.datacl) a
                where d.datname = $1 and a.privilege_type = 'CONNECT'`,
        values: [desired.database],
      });
      live.database = { owner: db.rows[0].owner, connect: new Set(connect.rows.map((r) => r.grantee)), public: await publicOn(desired.database) };
      await inspectDatabase(onDatabase(adminUrl, desired.database), desired, live);
    }
  } finally {
    await client.end();
  }
  return live;
}
