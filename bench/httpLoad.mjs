// The load generator of bench/ingest.ts, in a worker thread that lives for the whole benchmark
// (its start-up is not counted against any round). The request bodies arrive once, in a
// SharedArrayBuffer: no copy, and nothing for this thread's GC to trace. Each message
// `{ url, from, to, concurrency }` sends bodies [from, to) to `url` and answers
// `{ seconds, latencies }` (milliseconds per request, a transferred Float64Array). The same
// worker drives every server of a comparison, so they all meet the same client.
// node:http with a keep-alive agent rather than fetch: the clients share the machine's cores
// with the server and Postgres, and fetch (undici, web streams) costs several times more CPU
// per request. Plain JS so the worker needs no TypeScript loader.
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

const { token, contentType, shared, offsets } = workerData;

function post(agent, target, i) {
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
          res.statusCode === 200 ? resolve() : reject(new Error(`${target} answered ${res.statusCode}: ${Buffer.concat(chunks).toString().slice(0, 2000)}`)),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function run({ url, from, to, concurrency }) {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies = new Float64Array(to - from);
  let next = from;
  const start = process.hrtime.bigint();
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let i = next++; i < to; i = next++) {
          const t0 = process.hrtime.bigint();
          await post(agent, target, i);
          latencies[i - from] = Number(process.hrtime.bigint() - t0) / 1e6;
        }
      }),
    );
    return { seconds: Number(process.hrtime.bigint() - start) / 1e9, latencies };
  } finally {
    agent.destroy();
  }
}

parentPort.on('message', (m) =>
  run(m).then(
    (r) => parentPort.postMessage(r, [r.latencies.buffer]),
    (err) => parentPort.postMessage({ error: String(err?.stack ?? err) }),
  ),
);
