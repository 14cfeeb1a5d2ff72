/**
 * What `npm run infra` manages, read from the environment (and a secret file) once, checked
 * with zod. Names that become SQL identifiers are held to a strict pattern here, so nothing
 * odd ever reaches a statement even though they are also quoted there.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError, parseEnv } from '../shared/config.js';

/** Lower-case letters, digits, `_`; a letter first. Short enough for a suffix within Postgres' 63 bytes. */
export const IDENTIFIER = /^[a-z][a-z0-9_]{0,47}$/;

const password = z.string().min(16, 'must be at least 16 characters').max(256);

const InfraEnvSchema = z.object({
  /** A role that may create roles and databases (Cloud SQL: `postgres`). Falls back to DATABASE_URL. */
  ADMIN_DATABASE_URL: z.string().min(1).optional(),
  DATABASE_URL: z.string().min(1).optional(),
  /** The database the functions use; created when missing. */
  INFRA_DATABASE: z.string().regex(IDENTIFIER, 'lower-case letters, digits and _ only').default('tekton_events'),
  /** Roles are `<prefix>_ingest`, `<prefix>_query`, `<prefix>_admin` (roles are cluster-wide). */
  INFRA_ROLE_PREFIX: z.string().regex(IDENTIFIER, 'lower-case letters, digits and _ only').default('tekton_events'),
  INGEST_DB_PASSWORD: password.optional(),
  QUERY_DB_PASSWORD: password.optional(),
  ADMIN_DB_PASSWORD: password.optional(),
  /** YAML/JSON file `{ingest, query, admin}` of passwords (a mounted secret); the variables win. */
  INFRA_SECRETS_FILE: z.string().min(1).optional(),
  /** Stored as the `retention_days` setting, which the cleanup function reads. */
  RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).default(30),
});

const SecretsFileSchema = z.object({ ingest: password, query: password, admin: password }).partial().strict();

export type RoleKind = 'ingest' | 'query' | 'admin';
export const ROLE_KINDS: readonly RoleKind[] = ['ingest', 'query', 'admin'];

export interface InfraConfig {
  adminUrl: string;
  database: string;
  roles: Record<RoleKind, { name: string; password: string }>;
  retentionDays: number;
}

export async function loadInfraConfig(env: Record<string, string | undefined> = process.env): Promise<InfraConfig> {
  const c = parseEnv(InfraEnvSchema, env);
  let fromFile: z.infer<typeof SecretsFileSchema> = {};
  if (c.INFRA_SECRETS_FILE) {
    const file = SecretsFileSchema.safeParse(parseYaml(await readFile(c.INFRA_SECRETS_FILE, 'utf8')));
    if (!file.success) {
      throw new ConfigError(`invalid INFRA_SECRETS_FILE: ${file.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    fromFile = file.data;
  }
  const adminUrl = c.ADMIN_DATABASE_URL ?? c.DATABASE_URL;
  if (!adminUrl) throw new ConfigError('ADMIN_DATABASE_URL (or DATABASE_URL) must be set');
  const passwords: Record<RoleKind, string | undefined> = {
    ingest: c.INGEST_DB_PASSWORD ?? fromFile.ingest,
    query: c.QUERY_DB_PASSWORD ?? fromFile.query,
    admin: c.ADMIN_DB_PASSWORD ?? fromFile.admin,
  };
  const missing = ROLE_KINDS.filter((k) => !passwords[k]).map((k) => `${k.toUpperCase()}_DB_PASSWORD`);
  if (missing.length > 0) throw new ConfigError(`passwords missing: set ${missing.join(', ')} or INFRA_SECRETS_FILE`);
  const role = (k: RoleKind) => ({ name: `${c.INFRA_ROLE_PREFIX}_${k}`, password: passwords[k]! });
  return {
    adminUrl,
    database: c.INFRA_DATABASE,
    roles: { ingest: role('ingest'), query: role('query'), admin: role('admin') },
    retentionDays: c.RETENTION_DAYS,
  };
}

/** The connection URL of `role` on `database`: the admin URL's host and options, another user. */
export function roleUrl(adminUrl: string, database: string, role: { name: string; password: string }): string {
  const u = new URL(adminUrl);
  u.username = encodeURIComponent(role.name);
  u.password = encodeURIComponent(role.password);
  u.pathname = `/${database}`;
  return u.toString();
}

/** The admin URL pointed at another database. */
export function onDatabase(adminUrl: string, database: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${database}`;
  return u.toString();
}
