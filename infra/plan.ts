/**
 * The difference between the declared and the live state, as an ordered list of changes, each
 * able to apply itself. The order is the dependency order: roles, then the database they own,
 * then (inside it) ownership, migrations, grants and settings. `plan` prints the list; `apply`
 * runs it; a converged database yields an empty list.
 *
 * Names in statements are either validated role/database names or catalog table names, always
 * quoted; passwords go in as SCRAM verifiers (see scram.ts) or, failing that, escaped literals;
 * settings values are bound parameters.
 */
import pg from 'pg';
import { loadMigrations, migrate } from '../shared/db/migrate.js';
import { onDatabase } from './config.js';
import { ident, tableIdent, type DesiredState, type Privilege } from './desired.js';
import { maintenanceDatabase, ROLE_ATTRIBUTES, type LiveState, type RoleAttribute } from './inspect.js';
import { passwordLiteral } from './scram.js';

export interface Change {
  op: '+' | '~' | '-';
  what: string;
  apply(session: Session): Promise<void>;
}

export interface Plan {
  changes: Change[];
  /** things plan cannot fix, printed with `!` */
  warnings: string[];
}

/** Connections `apply` needs, opened on first use: the maintenance database and the managed one. */
export class Session {
  private clients = new Map<string, pg.Client>();
  constructor(readonly adminUrl: string, readonly desired: DesiredState) {}

  async on(database: 'maintenance' | 'target'): Promise<pg.Client> {
    const existing = this.clients.get(database);
    if (existing) return existing;
    const url = database === 'target' ? onDatabase(this.adminUrl, this.desired.database) : this.adminUrl;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    this.clients.set(database, client);
    return client;
  }

  async close(): Promise<void> {
    for (const c of this.clients.values()) await c.end().catch(() => undefined);
    this.clients.clear();
  }
}

const WANTED: Record<RoleAttribute, boolean> = {
  rolcanlogin: true,
  rolsuper: false,
  rolcreatedb: false,
  rolcreaterole: false,
  rolreplication: false,
  rolbypassrls: false,
};
const ROLE_OPTIONS = (Object.keys(WANTED) as RoleAttribute[]).map((k) => (WANTED[k] ? '' : 'NO') + ROLE_ATTRIBUTES[k]).join(' ');

function roleChanges(desired: DesiredState, live: LiveState): Change[] {
  const out: Change[] = [];
  for (const role of desired.roles) {
    const have = live.roles.get(role.name);
    if (!have) {
      out.push({
        op: '+',
        what: `role ${role.name} (${role.kind}; LOGIN, password set)`,
        apply: async (s) => void (await (await s.on('maintenance')).query(`create role ${ident(role.name)} with ${ROLE_OPTIONS} password ${passwordLiteral(role.password)}`)),
      });
      continue;
    }
    const diffs = (Object.keys(WANTED) as RoleAttribute[])
      .filter((k) => have.attributes[k] !== WANTED[k])
      .map((k) => `${ROLE_ATTRIBUTES[k]}: ${have.attributes[k]} → ${WANTED[k]}`);
    if (!have.passwordWorks) diffs.push('password: the declared one does not log in');
    if (diffs.length === 0) continue;
    out.push({
      op: '~',
      what: `role ${role.name} (${diffs.join('; ')})`,
      apply: async (s) => void (await (await s.on('maintenance')).query(`alter role ${ident(role.name)} with ${ROLE_OPTIONS} password ${passwordLiteral(role.password)}`)),
    });
  }
  if (!live.superuser && !live.memberOfAdmin) {
    out.push({
      op: '+',
      what: `membership of ${live.currentUser} in ${desired.admin} (to create the objects the admin role owns)`,
      apply: async (s) => void (await (await s.on('maintenance')).query(`grant ${ident(desired.admin)} to current_user`)),
    });
  }
  return out;
}

function databaseChanges(desired: DesiredState, live: LiveState): Change[] {
  const db = ident(desired.database);
  const admin = ident(desired.admin);
  const out: Change[] = [];
  if (!live.database) {
    out.push({ op: '+', what: `database ${desired.database} (owner ${desired.admin})`, apply: async (s) => void (await (await s.on('maintenance')).query(`create database ${db} owner ${admin}`)) });
  } else if (live.database.owner !== desired.admin) {
    out.push({ op: '~', what: `database ${desired.database} (owner: ${live.database.owner} → ${desired.admin})`, apply: async (s) => void (await (await s.on('maintenance')).query(`alter database ${db} owner to ${admin}`)) });
  }
  for (const role of desired.roles) {
    if (role.kind === 'admin' || live.database?.connect.has(role.name)) continue;
    out.push({ op: '+', what: `grant CONNECT on database ${desired.database} to ${role.name}`, apply: async (s) => void (await (await s.on('maintenance')).query(`grant connect on database ${db} to ${ident(role.name)}`)) });
  }
  // PUBLIC (every role of the cluster) gets CONNECT and TEMPORARY on a new database: only the
  // managed roles may connect, and none may create temporary tables or functions (pg_temp).
  const publicHas = live.database ? [...live.database.public].sort() : ['CONNECT', 'TEMPORARY'];
  if (publicHas.length > 0) {
    out.push({ op: '-', what: `revoke ${publicHas.join(', ')} on database ${desired.database} from PUBLIC`, apply: async (s) => void (await (await s.on('maintenance')).query(`revoke all on database ${db} from public`)) });
  }
  // …nor reach the maintenance database (there is nothing for them there).
  const maintenance = maintenanceDatabase(desired.adminUrl);
  if (maintenance !== desired.database && live.maintenancePublic.has('CONNECT') && live.maintenanceOwned) {
    out.push({
      op: '-',
      what: `revoke CONNECT on database ${maintenance} from PUBLIC (roles without a grant of their own, the managed ones included, cannot connect to it)`,
      apply: async (s) => void (await (await s.on('maintenance')).query(`revoke connect on database ${pg.escapeIdentifier(maintenance)} from public`)),
    });
  }
  return out;
}

/** ALTER ROLE … SET defaults: the declared ones, and nothing else (a role may set its own). */
function roleSettingChanges(desired: DesiredState, live: LiveState): Change[] {
  const out: Change[] = [];
  const db = ident(desired.database);
  for (const role of desired.roles) {
    const have = live.roles.get(role.name)?.settings ?? [];
    const want = [...role.settings].sort();
    if (have.join('\n') === want.join('\n')) continue;
    const r = ident(role.name);
    out.push({
      op: have.length === 0 ? '+' : '~',
      what: `role ${role.name} settings (${have.length > 0 ? `${have.join(', ')} → ` : ''}${want.length > 0 ? want.join(', ') : 'none'})`,
      apply: async (s) => {
        const c = await s.on('maintenance');
        await c.query(`alter role ${r} reset all`);
        await c.query(`alter role ${r} in database ${db} reset all`);
        for (const setting of want) {
          // The names and values are constants of desired.ts, never input; quoted anyway.
          const [name, value] = setting.split('=', 2) as [string, string];
          await c.query(`alter role ${r} set ${pg.escapeIdentifier(name)} = ${pg.escapeLiteral(value)}`);
        }
      },
    });
  }
  return out;
}

async function schemaChanges(desired: DesiredState, live: LiveState): Promise<Plan> {
  const admin = ident(desired.admin);
  const changes: Change[] = [];
  const warnings: string[] = [];
  for (const [table, owner] of [...live.tables].sort()) {
    if (owner === desired.admin) continue;
    changes.push({ op: '~', what: `table ${table} (owner: ${owner} → ${desired.admin})`, apply: async (s) => void (await (await s.on('target')).query(`alter table ${tableIdent(table)} owner to ${admin}`)) });
  }
  const files = await loadMigrations();
  const known = new Set(files.map((f) => f.version));
  const applied = new Set(live.applied);
  const pending = files.filter((f) => !applied.has(f.version));
  const unknown = live.applied.filter((v) => !known.has(v));
  if (unknown.length > 0) warnings.push(`the database has migrations this code does not know (${unknown.join(', ')}): it is newer than this checkout`);
  if (pending.length > 0) {
    const from = live.applied.length === 0 ? 0 : Math.max(...live.applied);
    changes.push({
      op: live.applied.length === 0 ? '+' : '~',
      what: `schema version ${from} → ${files[files.length - 1]!.version} (migrations ${pending.map((f) => f.file).join(', ')}, run as ${desired.admin})`,
      apply: async (s) => {
        // Run as the admin role, so what the migrations create is owned by it.
        const pool = new pg.Pool({ connectionString: onDatabase(s.adminUrl, s.desired.database), max: 1, options: `-c role=${desired.admin}` });
        try {
          await migrate(pool);
        } finally {
          await pool.end();
        }
      },
    });
  }
  return { changes, warnings };
}

function grantChanges(desired: DesiredState, live: LiveState): Change[] {
  const out: Change[] = [];
  const target = (sql: string) => async (s: Session) => void (await (await s.on('target')).query(sql));
  for (const role of desired.roles) {
    if (role.kind !== 'admin' && !live.schemaUsage.has(role.name)) {
      out.push({ op: '+', what: `grant USAGE on schema public to ${role.name}`, apply: target(`grant usage on schema public to ${ident(role.name)}`) });
    }
  }
  // Before Postgres 15 every role may create tables and functions in public.
  if (live.schemaPublic.has('CREATE')) {
    out.push({ op: '-', what: 'revoke CREATE on schema public from PUBLIC', apply: target('revoke create on schema public from public') });
  }
  for (const g of desired.grants) {
    const have = live.privileges.get(g.role)?.get(g.table) ?? new Set<Privilege>();
    const missing = g.privileges.filter((p) => !have.has(p));
    if (missing.length === 0) continue;
    out.push({ op: '+', what: `grant ${missing.join(', ')} on ${g.table} to ${g.role}`, apply: target(`grant ${missing.join(', ')} on table ${tableIdent(g.table)} to ${ident(g.role)}`) });
  }
  // Anything else the non-owner roles hold goes: least privilege is the declared list, not "at least" it.
  for (const role of desired.roles) {
    if (role.kind === 'admin') continue;
    for (const [table, have] of [...(live.privileges.get(role.name) ?? new Map<string, Set<Privilege>>())].sort()) {
      const wanted = new Set(desired.grants.find((g) => g.role === role.name && g.table === table)?.privileges ?? []);
      const extra = [...have].filter((p) => !wanted.has(p)).sort();
      if (extra.length === 0) continue;
      out.push({ op: '-', what: `revoke ${extra.join(', ')} on ${table} from ${role.name}`, apply: target(`revoke ${extra.join(', ')} on table ${tableIdent(table)} from ${ident(role.name)}`) });
    }
  }
  return out;
}

function settingChanges(desired: DesiredState, live: LiveState): Change[] {
  const out: Change[] = [];
  for (const [key, value] of Object.entries(desired.settings)) {
    const have = live.settings.get(key);
    if (have === value) continue;
    out.push({
      op: have === undefined ? '+' : '~',
      what: have === undefined ? `setting ${key} = ${value}` : `setting ${key} (${have} → ${value})`,
      apply: async (s) =>
        void (await (await s.on('target')).query({
          text: 'insert into settings (key, value) values ($1, $2) on conflict (key) do update set value = excluded.value',
          values: [key, value],
        })),
    });
  }
  return out;
}

export async function makePlan(desired: DesiredState, live: LiveState): Promise<Plan> {
  const schema = await schemaChanges(desired, live);
  const maintenance = maintenanceDatabase(desired.adminUrl);
  if (maintenance !== desired.database && live.maintenancePublic.has('CONNECT') && !live.maintenanceOwned) {
    schema.warnings.push(
      `PUBLIC may connect to database ${maintenance}, so the managed roles can too; ${live.currentUser} does not own it: as its owner, grant CONNECT to the roles that need it, then REVOKE CONNECT ON DATABASE ${maintenance} FROM PUBLIC`,
    );
  }
  return {
    changes: [...roleChanges(desired, live), ...databaseChanges(desired, live), ...roleSettingChanges(desired, live), ...schema.changes, ...grantChanges(desired, live), ...settingChanges(desired, live)],
    warnings: schema.warnings,
  };
}

/** Destroying: the database (with every connection to it) and the three roles. */
export function destroyPlan(desired: DesiredState, live: LiveState): Plan {
  const changes: Change[] = [];
  if (live.database) {
    changes.push({ op: '-', what: `database ${desired.database} (and all stored events)`, apply: async (s) => void (await (await s.on('maintenance')).query(`drop database ${ident(desired.database)} with (force)`)) });
  }
  for (const role of desired.roles) {
    if (!live.roles.has(role.name)) continue;
    changes.push({
      op: '-',
      what: `role ${role.name}`,
      apply: async (s) => {
        const c = await s.on('maintenance');
        const drop = `drop role ${ident(role.name)}`;
        try {
          await c.query(drop);
        } catch (err) {
          // 2BP01: it still owns or holds something outside the dropped database. `drop owned`
          // clears that in this database; it needs the role's privileges (a superuser has them).
          if ((err as { code?: string }).code !== '2BP01') throw err;
          await c.query(`drop owned by ${ident(role.name)}`);
          await c.query(drop);
        }
      },
    });
  }
  return { changes, warnings: [] };
}
