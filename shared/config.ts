/**
 * All configuration of the functions, declared once: name, default, check. `loadConfig` fails
 * fast at start with every problem listed, rather than at the first request that needs a value.
 * The README's configuration table is this file in prose; keep them in step.
 */
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/**
 * `postgres://` or `postgresql://`, with a host, or a `host` parameter naming a socket directory
 * (`postgres://user:pw@/db?host=/cloudsql/…`). pg itself would read `not-a-url` as database
 * "not-a-url" on host "base" and fail at the first query with `getaddrinfo ENOTFOUND base`.
 * The message never repeats the value: it may hold a password.
 */
export function isPostgresUrl(v: string): boolean {
  if (!/^postgres(ql)?:\/\//.test(v)) return false;
  let url: URL;
  try {
    // WHATWG URL refuses credentials before an empty host; pg accepts them with ?host=.
    url = new URL(v.replace(/^(postgres(?:ql)?:\/\/[^/@]*@)\//, '$1localhost/'));
  } catch {
    return false;
  }
  const socketOnly = /^postgres(ql)?:\/\/([^/@]*@)?\//.test(v);
  return socketOnly ? (url.searchParams.get('host') ?? '') !== '' : url.hostname !== '';
}

export const postgresUrl = z.string().refine(isPostgresUrl, 'not a Postgres URL: expected postgres://user:password@host:5432/database (or …@/database?host=/socket/directory)');

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const logLevel = z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` });

/** Exported so deployment files can be checked against it (test/deploy). */
export const ConfigSchema = z.object({
  /** Any Postgres. Unset: `npm start` and `npm test` start an embedded one. */
  DATABASE_URL: postgresUrl.optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Bearer token the forwarder must present to the ingest function. */
  INGEST_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Bearer token for the query API in `static` mode without a token file: reads every namespace. */
  QUERY_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** A file holding the ingest token (a mounted secret), or one per line while rotating; used when INGEST_TOKEN is unset. */
  INGEST_TOKEN_FILE: z.string().min(1).optional(),
  /** How query callers are authorised: `static` (token table) or `kubernetes` (TokenReview + SubjectAccessReview). */
  QUERY_AUTH_MODE: z.enum(['static', 'kubernetes'], { message: 'must be static or kubernetes' }).default('static'),
  /** `static` mode: YAML/JSON file mapping tokens to the namespaces (and verbs) they may use. */
  QUERY_TOKENS_FILE: z.string().min(1).optional(),
  /** `kubernetes` mode: seconds a TokenReview/SubjectAccessReview answer is reused (0: never). */
  AUTH_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
  /** `kubernetes` mode: most decisions kept in memory, least recently used dropped first. */
  AUTH_CACHE_MAX: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(1024 * 1024),
  PG_POOL_MAX: z.coerce.number().int().min(1).max(1000).default(10),
  /** Longest a query API statement may run (Postgres statement_timeout of the query connections); over it: 503 naming this limit. */
  QUERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  /** Longest any other database statement may run (ingest, cleanup batches get at least 60 s). */
  DB_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  /** Longest to wait for a database connection (a new one, or a free one of the pool). */
  DB_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5_000),
  /** `/readyz`: longest its database round trip may take before it answers 503. */
  READY_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(1_000),
  /** A records page stops growing past this many bytes (at least one record); the rest is on the next page. */
  MAX_PAGE_BYTES: z.coerce.number().int().min(64 * 1024).max(1024 * 1024 * 1024).default(4 * 1024 * 1024),
  /** Local server: longest a client may take to send the request headers. */
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  /** Local server: longest a client may take to send the whole request (headers and body). */
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  /** Longest pause between two pieces of a request body before the request is answered 408. */
  HTTP_BODY_IDLE_TIMEOUT_MS: z.coerce.number().int().min(50).max(600_000).default(5_000),
  /** Local server: most open client connections; more are closed on arrival. */
  HTTP_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1_000_000).default(1_000),
  /** Secret that signs page tokens. Unset: one generated by the first migration, kept in the database. */
  PAGE_TOKEN_SECRET: z.string().min(16).optional(),
  LOG_LEVEL: logLevel.default('info'),
  /** Recorded sample data loaded by `npm start` when no cluster is reachable. */
  LOAD_SAMPLE: bool.default(true),
  /** Bearer token the scheduler presents to the cleanup function. Unset: cleanup refuses every call. */
  CLEANUP_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Results not updated for this many days are deleted. Unset: the `retention_days` setting infra apply stores, else 30. */
  RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).optional(),
  /** Results deleted per statement (their records and events go with them). */
  CLEANUP_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
  /** Cleanup starts no new batch after this many seconds; `more: true` says work is left. */
  CLEANUP_TIME_BUDGET_SECONDS: z.coerce.number().min(0).max(3600).default(50),
});

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {}

/**
 * Reads the variables `schema` declares from `env` (empty counts as unset) and validates them
 * all at once, so a bad start lists every problem rather than the first: one line each,
 * naming the variable, never its value (it may be a secret).
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: Record<string, string | undefined>): z.infer<S> {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') picked[key] = v;
  }
  const parsed = schema.safeParse(picked);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `invalid configuration: ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(lines.join('\n'));
  }
  return parsed.data;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  return parseEnv(ConfigSchema, env);
}

export function requireValue<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new ConfigError(`${name} must be set`);
  return value;
}
