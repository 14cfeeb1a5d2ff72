/**
 * The environment one Vercel function reads. A Vercel project has one set of environment
 * variables for all its functions, so each function's database role has a name of its own
 * (`INGEST_DATABASE_URL`, `QUERY_DATABASE_URL`, `CLEANUP_DATABASE_URL`) and becomes that
 * function's `DATABASE_URL` here; a plain `DATABASE_URL` is the fallback (one role for all, as
 * `npm start` runs them). Vercel does not deploy files whose name starts with `_`.
 */
export type FunctionName = 'INGEST' | 'QUERY' | 'CLEANUP';

export function functionEnv(name: FunctionName, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const own = env[`${name}_DATABASE_URL`];
  return own ? { ...env, DATABASE_URL: own } : env;
}
