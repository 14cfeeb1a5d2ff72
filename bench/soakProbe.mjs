// The /healthz probe of bench/soak.ts, in a worker thread of its own: its timings then hold the
// server's answer time, not the soak's own busy event loop. One keep-alive connection, a probe
// every `everyMs` from `from` to `until` (Date.now() values); posts the latencies (ms) back.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';

const { url, from, until, everyMs } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const target = new URL('/healthz', url);

function probe() {
  return new Promise((resolve) => {
    const start = performance.now();
    const req = http.get(target, { agent, timeout: 5_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(performance.now() - start));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(performance.now() - start));
  });
}

const before = [];
const during = [];
while (Date.now() < until) {
  const t = Date.now();
  const ms = await probe();
  (t < from ? before : during).push(ms);
  await sleep(everyMs);
}
agent.destroy();
parentPort.postMessage({ before, during });
