/**
 * The HTTP-only limit of bench/ingest.ts: a `node:http` server that reads the body, parses it
 * as JSON and answers 200, in its own process like the ingest server. What ingest does beyond
 * this (validation, the store, Postgres) is what the ratio measures. Prints its URL first.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const body = JSON.stringify({ accepted: Array.isArray(parsed) ? parsed.length : 1 });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.once('SIGTERM', () => process.exit(0));
process.once('SIGINT', () => process.exit(0));
