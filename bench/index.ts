/**
 * `npm run bench`: every benchmark, one table each. Not part of `npm test`: figures depend on
 * the machine; targets are printed beside them, never asserted in tests.
 * `npm run bench -- <name> [<name>…]` runs only those (ingest, forwarder, size, failover, read, webhooks).
 */
import { existsSync } from 'node:fs';
import type { Row } from './harness.js';

// Before anything that builds the logger is imported (hence the dynamic imports below).
process.env['LOG_LEVEL'] ??= 'silent';
const { printTable } = await import('./harness.js');

/** A benchmark's table, and text to print after it (the read path's EXPLAIN plans). */
type Outcome = Row[] | { rows: Row[]; after: string };

const BENCHES: Record<string, { title: string; run: () => Promise<Outcome> }> = {
  ingest: {
    title: 'Ingest',
    run: async () => (await import('./ingest.js')).runIngestBench(),
  },
  forwarder: {
    title: 'Forwarder',
    run: async () => {
      const mod = (await import(new URL('./forwarder.ts', import.meta.url).href)) as { runForwarderBench: () => Promise<Row[]> };
      return mod.runForwarderBench();
    },
  },
  size: {
    title: 'Store size and retention',
    run: async () => (await import('./size.js')).runSizeBench(),
  },
  read: {
    title: 'Read path at a million Events',
    // Loaded once into a kept database (see bench/readPath.ts); later runs reuse it. Its EXPLAIN
    // plans are printed after its table.
    run: async () => {
      const { rows, plans } = await (await import('./readPath.js')).runReadPathBench();
      afterTables.push(plans);
      return rows;
    },
  },
  failover: {
    title: 'Forwarder failover (two replicas, one Lease)',
    run: async () => (await import('./failover.js')).runFailoverBench(),
  },
  webhooks: {
    title: 'Webhooks',
    run: async () => (await import('./webhooks.js')).runWebhooksBench(),
  },
};
const afterTables: string[] = [];

const chosen = process.argv.slice(2);
const unknown = chosen.filter((n) => !(n in BENCHES));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark ${unknown.join(', ')}: choose from ${Object.keys(BENCHES).join(', ')}\n`);
  process.exit(2);
}
for (const name of chosen.length > 0 ? chosen : Object.keys(BENCHES)) {
  // The forwarder's benchmark lives beside this one once it exists.
  if (name === 'forwarder' && !existsSync(new URL('./forwarder.ts', import.meta.url))) continue;
  const out = await BENCHES[name]!.run();
  printTable(BENCHES[name]!.title, Array.isArray(out) ? out : out.rows);
  if (!Array.isArray(out)) process.stdout.write(`\n${out.after}\n`);
}
for (const text of afterTables) process.stdout.write(`\n${text}\n`);
