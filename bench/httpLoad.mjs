// The load generator of bench/ingest.ts, in a worker thread that lives for the whole benchmark
// (its start-up is not counted against any round). The request bodies arrive once, in a
// SharedArrayBuffer: no copy, and nothing for this thread's GC to trace. Each message
// `{ from, to, concurrency }` sends bodies [from, to) and answers `{ seconds }`.
// node:http with a keep-alive agent rather than fetch: the clients share the machine's cores
// with the server and Postgres, and fetch (undici, web streams) costs several times more CPU
// per request. Plain JS so the worker needs no TypeScript loader.
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

const { url, token, contentType, shared, offsets } = workerData;
const target = new URL(url);

function post(agent, i) {
  const body = Buffer.from(shared, offsets[i], offsets[i + 1] - offsets[i]);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': contentType, 'content-length': body.length },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`ingest answered ${res.statusCode}: ${Buffer.concat(chunks).toString()}`)),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function run({ from, to, concurrency }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let next = from;
  const start = process.hrtime.bigint();
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let i = next++; i < to; i = next++) await post(agent, i);
      }),
    );
    return { seconds: Number(process.hrtime.bigint() - start) / 1e9 };
  } finally {
    agent.destroy();
  }
}

parentPort.on('message', (m) =>
  run(m).then(
    (r) => parentPort.postMessage(r),
    (err) => parentPort.postMessage({ error: String(err?.stack ?? err) }),
  ),
);
