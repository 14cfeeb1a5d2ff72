/**
 * `npm run bench`: every benchmark, one table each; `npm run bench -- <name> [<name>…]` runs the
 * named ones only (names below). Not part of `npm test`: figures depend on the machine; targets
 * are printed beside them, never asserted in tests.
 */
import { existsSync } from 'node:fs';
import { printTable } from './harness.js';

process.env['LOG_LEVEL'] ??= 'silent';

const BENCHES: Record<string, () => Promise<void>> = {
  ingest: async () => {
    const { runIngestBench } = await import('./ingest.js');
    printTable('Event store (issue #2)', await runIngestBench());
  },
  forwarder: async () => {
    // The forwarder's benchmark lives beside this one once it exists.
    const forwarderBench = new URL('./forwarder.ts', import.meta.url);
    if (!existsSync(forwarderBench)) return;
    const mod = (await import(forwarderBench.href)) as { runForwarderBench?: () => Promise<Parameters<typeof printTable>[1]> };
    if (mod.runForwarderBench) printTable('Forwarder (issue #3)', await mod.runForwarderBench());
  },
  read: async () => {
    const { runReadPathBench } = await import('./readPath.js');
    const { rows, plans } = await runReadPathBench();
    printTable('Read path at a million Events', rows);
    process.stdout.write(`\n${plans}\n`);
  },
  webhooks: async () => {
    const { runWebhooksBench } = await import('./webhooks.js');
    printTable('Webhooks', await runWebhooksBench());
  },
};

const asked = process.argv.slice(2).filter((a) => a !== '--');
const unknown = asked.filter((a) => !(a in BENCHES));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}\n`);
  process.exit(2);
}
for (const name of asked.length > 0 ? asked : Object.keys(BENCHES)) await BENCHES[name]!();
