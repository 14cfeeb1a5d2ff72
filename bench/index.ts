/**
 * `npm run bench`: every benchmark, one table each. Not part of `npm test`: figures depend on
 * the machine; targets are printed beside them, never asserted in tests.
 * `npm run bench -- <name> [<name>…]` runs only those (ingest, forwarder, size, read).
 */
import { existsSync } from 'node:fs';
import { printTable } from './harness.js';
import { runIngestBench } from './ingest.js';
import { runSizeBench } from './size.js';

process.env['LOG_LEVEL'] ??= 'silent';
const NAMES = ['ingest', 'forwarder', 'size', 'read'];
const chosen = process.argv.slice(2);
const unknown = chosen.filter((n) => !NAMES.includes(n));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark ${unknown.join(', ')}: choose from ${NAMES.join(', ')}\n`);
  process.exit(2);
}
const wanted = (name: string) => chosen.length === 0 || chosen.includes(name);

if (wanted('ingest')) printTable('Event store (issue #2)', await runIngestBench());

// The forwarder's benchmark lives beside this one once it exists.
const forwarderBench = new URL('./forwarder.ts', import.meta.url);
if (wanted('forwarder') && existsSync(forwarderBench)) {
  const mod = (await import(forwarderBench.href)) as { runForwarderBench?: () => Promise<Parameters<typeof printTable>[1]> };
  if (mod.runForwarderBench) printTable('Forwarder (issue #3)', await mod.runForwarderBench());
}

if (wanted('size')) printTable('Store size and retention', await runSizeBench());

if (wanted('read')) {
  // Loaded once into a kept database (see bench/readPath.ts); later runs reuse it.
  const { runReadPathBench } = await import('./readPath.js');
  const { rows, plans } = await runReadPathBench();
  printTable('Read path at a million Events', rows);
  process.stdout.write(`\n${plans}\n`);
}
