/**
 * `npm run bench`: every benchmark, one table each. Not part of `npm test`: figures depend on
 * the machine; targets are printed beside them, never asserted in tests.
 */
import { existsSync } from 'node:fs';
import { printTable } from './harness.js';
import { runIngestBench } from './ingest.js';

process.env['LOG_LEVEL'] ??= 'silent';
printTable('Event store (issue #2)', await runIngestBench());

// The forwarder's benchmark lives beside this one once it exists.
const forwarderBench = new URL('./forwarder.ts', import.meta.url);
if (existsSync(forwarderBench)) {
  const mod = (await import(forwarderBench.href)) as { runForwarderBench?: () => Promise<Parameters<typeof printTable>[1]> };
  if (mod.runForwarderBench) printTable('Forwarder (issue #3)', await mod.runForwarderBench());
}
