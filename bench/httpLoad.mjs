// The load generator of bench/ingest.ts, in a worker thread: the ingest server under test then
// has the main event loop to itself, as it would in its own process. Plain JS so the worker
// needs no TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';

const { url, token, contentType, bodies, concurrency } = workerData;
let next = 0;
const start = process.hrtime.bigint();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    for (let i = next++; i < bodies.length; i = next++) {
      const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': contentType }, body: bodies[i] });
      if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
    }
  }),
);
parentPort.postMessage({ seconds: Number(process.hrtime.bigint() - start) / 1e9 });
