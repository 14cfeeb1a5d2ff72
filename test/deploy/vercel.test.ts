/**
 * vercel.json against the code: every route functions/server.ts serves (as `npm start` does) is
 * rewritten to the Vercel function that serves the same handler, and every such function exists.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { routeAll } from '../../functions/server.js';
import { API_PREFIX } from '../../functions/query/routes.js';
import { json, type CoreRequest, type Handler } from '../../shared/http/core.js';
import { functionEnv } from '../../api/_env.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const vercel = JSON.parse(readFileSync(path.join(ROOT, 'vercel.json'), 'utf8')) as { rewrites: { source: string; destination: string }[] };

/** A Vercel rewrite source (path-to-regexp: `:name`, `:name*`) as a regular expression. */
function sourcePattern(source: string): RegExp {
  const body = source
    .split('/')
    .slice(1)
    .map((seg) => (/^:\w+\*$/.test(seg) ? '(?:/.*)?' : /^:\w+$/.test(seg) ? '/[^/]+' : `/${seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`))
    .join('');
  return new RegExp(`^${body}$`);
}

function rewrite(p: string): string | undefined {
  return vercel.rewrites.find((r) => sourcePattern(r.source).test(p))?.destination;
}

/** The paths functions/server.ts routes, read from its source, as concrete examples. */
function serverPaths(): string[] {
  const src = readFileSync(path.join(ROOT, 'functions/server.ts'), 'utf8');
  const literal = [...src.matchAll(/req\.path === '([^']+)'/g)].map((m) => m[1]!.replace(/(.)\/$/, '$1'));
  const prefixed = src.includes('startsWith(API_PREFIX)') ? [`${API_PREFIX}/parents/ns/results`, `${API_PREFIX}/parents/ns/results/-/records/r`] : [];
  const timelines = src.includes('isTimelinePath(') ? ['/v1/namespaces/ns/pipelineruns/pr/timeline', '/v1/namespaces/ns/taskruns/tr/timeline', '/v1/results/ns/r/timeline'] : [];
  return [...new Set([...literal, ...prefixed, ...timelines])];
}

/** Which of the four handlers routeAll picks for a path, named as its Vercel function. */
async function servedBy(p: string): Promise<string> {
  const named = (name: string): Handler => async () => json(200, { name });
  const route = routeAll({ ingest: named('ingest'), query: named('query'), health: named('healthz'), cleanup: named('cleanup'), timeline: named('timeline') });
  const req: CoreRequest = { method: 'GET', path: p, query: new URLSearchParams(), headers: {}, body: Buffer.alloc(0) };
  const res = await route(req);
  return (JSON.parse(String(res.body)) as { name: string }).name;
}

describe('vercel.json', () => {
  it('finds the routes of functions/server.ts', () => {
    expect(serverPaths()).toEqual(expect.arrayContaining(['/ingest', '/healthz', '/cleanup']));
    expect(serverPaths().some((p) => p.startsWith(API_PREFIX))).toBe(true);
  });

  it.each(serverPaths())('rewrites %s to the Vercel function that serves it locally', async (p) => {
    const fn = await servedBy(p);
    expect(rewrite(p), p).toBe(`/api/${fn}`);
    expect(existsSync(path.join(ROOT, `api/${fn}.ts`)), `api/${fn}.ts`).toBe(true);
  });

  it('sends every Vercel function some traffic and no path to a missing one', () => {
    const functions = readdirSync(path.join(ROOT, 'api')).filter((f) => f.endsWith('.ts') && !f.startsWith('_'));
    expect(functions.map((f) => `/api/${f.replace(/\.ts$/, '')}`).sort()).toEqual([...new Set(vercel.rewrites.map((r) => r.destination))].sort());
  });

  it('matches rewrite sources as Vercel does', () => {
    expect(sourcePattern('/apis/:path*').test('/apis')).toBe(true);
    expect(sourcePattern('/apis/:path*').test('/apis/a/b')).toBe(true);
    expect(sourcePattern('/apis/:path*').test('/apisx')).toBe(false);
    expect(sourcePattern('/ingest').test('/ingest/x')).toBe(false);
  });

  it('gives each Vercel function its own role’s database URL from the one project environment', () => {
    const env = { DATABASE_URL: 'postgres://shared', INGEST_DATABASE_URL: 'postgres://ingest', CLEANUP_DATABASE_URL: 'postgres://admin' };
    expect(functionEnv('INGEST', env)['DATABASE_URL']).toBe('postgres://ingest');
    expect(functionEnv('CLEANUP', env)['DATABASE_URL']).toBe('postgres://admin');
    expect(functionEnv('QUERY', env)['DATABASE_URL']).toBe('postgres://shared');
  });
});
