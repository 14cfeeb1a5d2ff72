/**
 * The ingest server of bench/ingest.ts with a store that keeps nothing: the same server, gate,
 * parsing, validation and row preparation as functions/serve.ts --target=ingest, and an answer
 * as soon as the batch is ready to store. What ingest reaches here is what its HTTP side alone
 * allows on this machine, before any Postgres work; the benchmark prints it beside the real one.
 * Prints its URL first.
 */
import { loadConfig } from '../shared/config.js';
import { createIngestHandler } from '../functions/ingest/handler.js';
import { ingestTokens } from '../functions/ingest/token.js';
import { gateFor } from '../functions/gate.js';
import { poolFor } from '../functions/runtime.js';
import { listen, serverLimits } from '../functions/server.js';

const config = loadConfig();
const ingest = createIngestHandler({
  pool: poolFor(config, 'ingest'),
  tokens: ingestTokens(config),
  store: { submit: () => Promise.resolve({ changedRecords: 0 }) },
});
const { url } = await listen(ingest, config.MAX_BODY_BYTES, 0, '127.0.0.1', serverLimits(config, gateFor(config, 'ingest')));
process.stdout.write(`${url}\n`);
process.once('SIGTERM', () => process.exit(0));
process.once('SIGINT', () => process.exit(0));
