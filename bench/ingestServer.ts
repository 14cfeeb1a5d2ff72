/**
 * The functions server of bench/ingest.ts, in its own process as it is deployed: its heap and
 * event loop hold nothing of the benchmark's data. Configured by the environment; prints its
 * URL as the first line on stdout.
 */
import { loadConfig } from '../shared/config.js';
import { buildFunctions } from '../functions/runtime.js';
import { listen, routeAll, serverLimits } from '../functions/server.js';

const config = loadConfig();
const fns = await buildFunctions(config);
const { url } = await listen(routeAll(fns), config.MAX_BODY_BYTES, 0, '127.0.0.1', serverLimits(config, fns.gate));
process.stdout.write(`${url}\n`);
process.once('SIGTERM', () => process.exit(0));
process.once('SIGINT', () => process.exit(0));
