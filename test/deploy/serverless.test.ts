/**
 * serverless.yml through the real tool: Serverless Framework v3 with serverless-google-cloudfunctions
 * (both devDependencies) resolves the file (`print`) and compiles the Deployment Manager template
 * (`package`), offline, with no error and no warning. The compiled template is then checked:
 * every database URL and token is a Secret Manager reference, never a plain environment value.
 */
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigSchema } from '../../shared/config.js';

// The compiled template is arbitrary nested YAML.
/* eslint-disable @typescript-eslint/no-explicit-any */
type Doc = any;

const ROOT = path.resolve(import.meta.dirname, '../..');
const SERVERLESS = path.join(ROOT, 'node_modules/serverless/bin/serverless.js');
const FUNCTION_ENV = new Set(Object.keys(ConfigSchema.shape));
const SECRET_NAMES = /TOKEN$|DATABASE_URL$|PASSWORD$/;

let work: string;
let output: { print: string; package: string };

/** The framework in a scratch copy of the service (symlinks), so `package` writes nothing into the repository. */
function serverless(args: string[]): string {
  const run = spawnSync(process.execPath, [SERVERLESS, ...args], {
    cwd: path.join(work, 'service'),
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      PATH: process.env['PATH'] ?? '',
      // its config (~/.serverlessrc) and caches go to the scratch directory
      HOME: path.join(work, 'home'),
      NODE_OPTIONS: `--require ${path.join(ROOT, 'test/deploy/noNetwork.cjs')}`,
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
      CI: '1',
      GOOGLE_CLOUD_PROJECT: 'offline-test-project',
      // a service-account key file that is never used: without one the Google auth library
      // asks the metadata server for credentials during `package`
      GOOGLE_APPLICATION_CREDENTIALS: path.join(work, 'credentials.json'),
    },
  });
  const out = `${run.stdout}${run.stderr}`;
  expect(run.error, out).toBeUndefined();
  expect(run.status, out).toBe(0);
  expect(out, 'no warning').not.toMatch(/warn/i);
  expect(out, 'no error').not.toMatch(/error|network access attempted/i);
  return out;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'serverless-test-'));
  const service = path.join(work, 'service');
  await Promise.all([
    writeFile(path.join(work, 'credentials.json'), JSON.stringify({ type: 'service_account', project_id: 'offline-test-project', private_key_id: 'offline', private_key: 'offline', client_email: 'offline@offline-test-project.iam.gserviceaccount.com', client_id: '0' })),
    (async () => {
      await mkdir(service);
      await mkdir(path.join(work, 'home'));
      // the framework does not take a symlinked config file for a service directory
      await copyFile(path.join(ROOT, 'serverless.yml'), path.join(service, 'serverless.yml'));
      for (const entry of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'node_modules', 'deploy', 'shared', 'functions', 'sql']) {
        await symlink(path.join(ROOT, entry), path.join(service, entry));
      }
    })(),
  ]);
  output = { print: serverless(['print']), package: serverless(['package']) };
}, 240_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

async function template(): Promise<Doc[]> {
  const text = await readFile(path.join(work, 'service/.serverless/configuration-template-update.yml'), 'utf8');
  return (parse(text) as Doc).resources.filter((r: Doc) => r.type === 'gcp-types/cloudfunctions-v1:projects.locations.functions');
}

describe('serverless.yml in Serverless Framework v3', () => {
  it('resolves every variable (print), with defaults for stage and region', () => {
    const printed = parse(output.print.slice(output.print.indexOf('service:'))) as Doc;
    expect(printed.provider).toMatchObject({ name: 'google', runtime: 'nodejs20', stage: 'prod', region: 'europe-west1', project: 'offline-test-project' });
  });

  it('compiles one Node.js 20 Cloud Function per target, capped in instances', async () => {
    const fns = await template();
    expect(fns.map((f) => f.name).sort()).toEqual(['cleanup', 'dispatch', 'healthz', 'ingest', 'query', 'subscriptions', 'timeline', 'ui'].map((n) => `tekton-events-prod-${n}`));
    for (const f of fns) {
      expect(f.properties.runtime, f.name).toBe('nodejs20');
      expect(f.properties.maxInstances, f.name).toBeGreaterThan(0);
      expect(f.properties.httpsTrigger, f.name).toBeDefined();
    }
  });

  it('binds database URLs and tokens from Secret Manager, never as plain environment values', async () => {
    const fns = new Map((await template()).map((f) => [String(f.name).replace('tekton-events-prod-', ''), f.properties]));
    const secrets = (fn: string) => Object.fromEntries((fns.get(fn).secretEnvironmentVariables as Doc[]).map((s) => [s.key, s]));
    expect(secrets('ingest')).toMatchObject({ DATABASE_URL: { secret: 'tekton-events-ingest-database-url', version: 'latest' }, INGEST_TOKEN: { secret: 'tekton-events-ingest-token' } });
    expect(secrets('query')).toMatchObject({ DATABASE_URL: { secret: 'tekton-events-query-database-url' }, QUERY_TOKEN: { secret: 'tekton-events-query-token' } });
    expect(secrets('healthz')).toMatchObject({ DATABASE_URL: { secret: 'tekton-events-query-database-url' } });
    expect(secrets('cleanup')).toMatchObject({ DATABASE_URL: { secret: 'tekton-events-cleanup-database-url' }, CLEANUP_TOKEN: { secret: 'tekton-events-cleanup-token' } });
    // each function gets only its own role's URL and the one token it checks
    expect(Object.keys(secrets('ingest')).sort()).toEqual(['DATABASE_URL', 'INGEST_TOKEN']);
    expect(Object.keys(secrets('query')).sort()).toEqual(['DATABASE_URL', 'QUERY_TOKEN']);
    expect(secrets('timeline')).toEqual(secrets('query'));
    expect(Object.keys(secrets('cleanup')).sort()).toEqual(['CLEANUP_TOKEN', 'DATABASE_URL']);
    for (const [name, props] of fns) {
      const env = Object.keys(props.environmentVariables ?? {});
      for (const key of [...env, ...Object.keys(secrets(name))]) expect(FUNCTION_ENV, `${name}: ${key}`).toContain(key);
      expect(env.filter((k) => SECRET_NAMES.test(k)), `${name}: plain secret values`).toEqual([]);
    }
  });

  it('packages the sources Cloud Functions builds (npm run gcp-build), not the tests or local data', () => {
    const run = spawnSync('unzip', ['-Z1', path.join(work, 'service/.serverless/tekton-events.zip')], { encoding: 'utf8' });
    if (run.error) return; // no unzip: the template checks above still ran
    const files = run.stdout.split('\n').filter(Boolean);
    expect(files).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'functions/index.ts', 'sql/000001.sql']));
    expect(files.filter((f) => /^(test|bench|node_modules|\.data|scripts)\//.test(f))).toEqual([]);
  });

  it('keeps every instance at its cap within the connections Terraform gives Cloud SQL', async () => {
    const tf = await readFile(path.join(ROOT, 'infra/terraform/main.tf'), 'utf8');
    const maxConnections = Number(/name\s*=\s*"max_connections"\s*\n\s*value\s*=\s*"(\d+)"/.exec(tf)?.[1]);
    expect(maxConnections).toBeGreaterThan(0);
    const fns = await template();
    const worst = fns.reduce((sum, f) => sum + f.properties.maxInstances * Number(f.properties.environmentVariables.PG_POOL_MAX), 0);
    // leave a quarter for npm run infra, the Auth Proxy, backups and people
    expect(worst).toBeLessThanOrEqual(maxConnections * 0.75);
  });
});

