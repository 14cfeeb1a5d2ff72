/**
 * `npm run bench`: every benchmark, one table each; `npm run bench -- <name>…` runs only those
 * named (ingest, forwarder, failover). Not part of `npm test`: figures depend on the machine;
 * targets are printed beside them, never asserted in tests.
 */
import { existsSync } from 'node:fs';
import { printTable } from './harness.js';
import { runIngestBench } from './ingest.js';
import { runFailoverBench } from './failover.js';

process.env['LOG_LEVEL'] ??= 'silent';
const names = process.argv.slice(2);
const KNOWN = ['ingest', 'forwarder', 'failover'];
for (const n of names) {
  if (!KNOWN.includes(n)) {
    process.stderr.write(`unknown benchmark "${n}": one of ${KNOWN.join(', ')}\n`);
    process.exit(2);
  }
}
const wanted = (name: string) => names.length === 0 || names.includes(name);

if (wanted('ingest')) printTable('Event store (issue #2)', await runIngestBench());

// The forwarder's benchmark lives beside this one once it exists.
const forwarderBench = new URL('./forwarder.ts', import.meta.url);
if (wanted('forwarder') && existsSync(forwarderBench)) {
  const mod = (await import(forwarderBench.href)) as { runForwarderBench?: () => Promise<Parameters<typeof printTable>[1]> };
  if (mod.runForwarderBench) printTable('Forwarder (issue #3)', await mod.runForwarderBench());
}

if (wanted('failover')) printTable('Forwarder failover (two replicas, one Lease)', await runFailoverBench());
