/**
 * The declared state: who may do what. Everything `plan` compares against lives here.
 *
 * - ingest writes Events: it inserts and updates results, records and record_events, and reads
 *   them only as far as its upserts must (the lookups of ensureLists, `on conflict … where`,
 *   `returning`, row locks). No delete anywhere, no settings.
 * - query reads results, records, record_events and settings (the page token secret), and may
 *   delete results: `DELETE …/results/{result}` of the API. The records and events of a deleted
 *   result go by `on delete cascade`, which Postgres runs with the table owner's rights, so the
 *   query role needs no delete right on records or record_events and cannot delete one on its own.
 * - admin owns the database and every table: migrations run as it, and the cleanup function
 *   connects as it (retention deletes).
 */
import pg from 'pg';
import { type InfraConfig, type RoleKind } from './config.js';

export type Privilege = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'TRUNCATE' | 'REFERENCES' | 'TRIGGER';

/** Table privileges of the non-owner roles; any other privilege they hold on a table is revoked. */
export const TABLE_GRANTS: Record<Exclude<RoleKind, 'admin'>, Record<string, Privilege[]>> = {
  ingest: {
    results: ['SELECT', 'INSERT', 'UPDATE'],
    records: ['SELECT', 'INSERT', 'UPDATE'],
    record_events: ['SELECT', 'INSERT', 'UPDATE'],
  },
  query: {
    results: ['SELECT', 'DELETE'],
    records: ['SELECT'],
    record_events: ['SELECT'],
    settings: ['SELECT'],
  },
};

/**
 * Per-role defaults Postgres applies at login (ALTER ROLE … SET), as pg_db_role_setting stores
 * them. The functions set their own timeouts when they connect; these hold for anything else
 * logging in with the role's password. Anything else set on a role, such as
 * `ALTER ROLE current_user SET statement_timeout = 0` (a role may do that to itself), is drift.
 */
export const ROLE_SETTINGS: Record<RoleKind, string[]> = {
  ingest: ['statement_timeout=10s', 'idle_in_transaction_session_timeout=60s'],
  query: ['statement_timeout=5s', 'idle_in_transaction_session_timeout=60s'],
  admin: [],
};

/** The schema the migrations create their tables in. */
export const SCHEMA = 'public';

/** A role or database name: lower case, digits, `_`, at most 63 bytes (Postgres' limit). */
const NAME = /^[a-z][a-z0-9_]{0,62}$/;

/** Quotes a role or database name, which config already held to IDENTIFIER: checked again, quoted anyway. */
export function ident(name: string): string {
  if (!NAME.test(name)) throw new Error(`refusing an unusual identifier: ${JSON.stringify(name)}`);
  return pg.escapeIdentifier(name);
}

/** A table name read from the catalog: only ever quoted, never trusted. */
export const tableIdent = (name: string): string => pg.escapeIdentifier(name);

export interface DesiredState {
  /** the connection the plan is made over (its database is the maintenance one) */
  adminUrl: string;
  database: string;
  roles: { kind: RoleKind; name: string; password: string; settings: string[] }[];
  admin: string;
  grants: { role: string; table: string; privileges: Privilege[] }[];
  settings: Record<string, string>;
}

export function desiredState(config: InfraConfig): DesiredState {
  const grants: DesiredState['grants'] = [];
  for (const kind of ['ingest', 'query'] as const) {
    for (const [table, privileges] of Object.entries(TABLE_GRANTS[kind])) {
      grants.push({ role: config.roles[kind].name, table, privileges });
    }
  }
  return {
    adminUrl: config.adminUrl,
    database: config.database,
    roles: (['ingest', 'query', 'admin'] as const).map((kind) => ({ kind, ...config.roles[kind], settings: ROLE_SETTINGS[kind] })),
    admin: config.roles.admin.name,
    grants,
    settings: { retention_days: String(config.retentionDays) },
  };
}
